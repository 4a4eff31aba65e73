import { resolveDistribution } from '../../distribution.js';
import type { HostRecord, InstancePlan, RunState } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { instanceId } from '../instance-id.js';
import { requireHost } from '../hosts.js';
import {
  ACTIVE_NIMBUS_FACT,
  PATH_KEYS,
  failoverSettings,
  fencingEpoch,
  STORM_DEFAULT_PORTS,
  STORM_DEFAULT_SLOTS,
  activeNimbusHost,
  isStormPathKey,
  resolveZookeeper,
  stormDirs,
  type StormSettingValue,
  type StormSpec,
} from './spec.js';
import { normalisePath } from '../../paths.js';
import type { StormInputs, StormRole } from './inputs.js';

/** `<cluster>/nimbus-<host>`, `<cluster>/supervisor-<host>`, `<cluster>/ui`: one instance per role per host. */
export function stormInstanceId(cluster: string, role: StormRole, hostName: string): string {
  return instanceId(cluster, role === 'ui' ? 'ui' : `${role}-${hostName}`);
}

/** Keys resolved per instance or into `zookeeper.root`; everything else passes through to storm.yaml. */
const RESOLVED_KEYS = new Set([...PATH_KEYS, 'storm.zookeeper.root']);

/**
 * Spec → one instance per role per host with fully resolved inputs. Assumes a validated spec;
 * throws a PlanError for a host no longer registered.
 *
 * - `failover: manual`: only the active nimbus runs (the first host unless the failover engine set
 *   the `storm.activeNimbus` fact); standbys are planned `stopped`, and `nimbus.seeds` lists the
 *   active one only, so clients never look for a leader on a cold standby. A failover re-renders
 *   the seeds on every Storm host (architecture §5).
 * - `failover: manual` also gives every nimbus the fence (`storm.fencingEpoch` fact, the active
 *   nimbus's address), checked by the agent against ZooKeeper before each start (architecture §5).
 * - `failover: native`: every nimbus runs and queues on `/leader-lock`; the seeds list all of them
 *   (service-facts §3.5).
 * - A ZooKeeper reference that no longer resolves plans every instance stopped with no servers,
 *   rather than throwing and taking the whole fleet's planning down with it.
 */
export function planStorm(spec: StormSpec, fleet: FleetContext): InstancePlan<StormInputs>[] {
  const resolve = (path: string) => (ref: string, i: number) =>
    requireHost(fleet.hosts, ref, spec.name, `${path}[${i}]`);
  const nimbusHosts = spec.nimbus.hosts.map(resolve('nimbus.hosts'));
  const supervisorHosts = spec.supervisors.hosts.map(resolve('supervisors.hosts'));
  const uiHost = spec.ui ? requireHost(fleet.hosts, spec.ui.host, spec.name, 'ui.host') : undefined;
  const { zk } = resolveZookeeper(spec, fleet);
  const zookeeper = zk ?? { servers: [], port: 2181, root: `/${spec.name}` };

  const manual = spec.nimbus.failover === 'manual';
  const facts = fleet.clusterFacts?.get(spec.name);
  const active = manual ? activeNimbusHost(spec, fleet.hosts, facts?.[ACTIVE_NIMBUS_FACT]) : undefined;
  // Every nimbus of a manual cluster carries the fence: the agent of the active one records it in
  // ZooKeeper before starting nimbus, and any nimbus whose epoch is older than the recorded one
  // never starts (and is stopped if it runs).
  const fence =
    manual && active
      ? {
          epoch: fencingEpoch(facts),
          active: active.address,
          selfFenceAfterMs: failoverSettings(spec).detectAfterMs,
        }
      : undefined;
  const nimbusSeeds = manual && active ? [active.address] : nimbusHosts.map((h) => h.address);
  const nimbusPort = spec.nimbus.port ?? STORM_DEFAULT_PORTS.nimbusThrift;

  const settings: Record<string, StormSettingValue> = {};
  for (const [k, v] of Object.entries(spec.settings)) {
    // Path settings are rendered in normal form, like the path fields.
    if (!RESOLVED_KEYS.has(k))
      settings[k] = isStormPathKey(k) && typeof v === 'string' ? normalisePath(v) : v;
  }

  const instance = (
    role: StormRole,
    host: HostRecord,
    runState: RunState,
    extra: Partial<StormInputs>,
  ): InstancePlan<StormInputs> => {
    const { dir, localDir, logDir } = stormDirs(spec, role, host);
    const inputs: StormInputs = {
      cluster: spec.name,
      role,
      host: host.name,
      address: host.address,
      ...resolveDistribution(spec.distribution, host.dataRoot, 'storm'),
      confDir: `${dir}/conf`,
      localDir,
      logDir,
      zookeeper,
      nimbusSeeds,
      nimbusPort,
      ...extra,
      settings,
    };
    return {
      id: stormInstanceId(spec.name, role, host.name),
      cluster: spec.name,
      kind: 'storm' as const,
      hostId: host.id,
      role,
      runState: zk ? runState : 'stopped',
      inputs,
    };
  };

  return [
    ...nimbusHosts.map((h) =>
      instance('nimbus', h, !manual || h.id === active?.id ? 'running' : 'stopped', fence ? { fence } : {}),
    ),
    ...supervisorHosts.map((h) =>
      instance('supervisor', h, 'running', {
        supervisorThriftPort: spec.supervisors.thriftPort ?? STORM_DEFAULT_PORTS.supervisorThrift,
        slots: [...(spec.supervisors.slots ?? STORM_DEFAULT_SLOTS)],
      }),
    ),
    ...(uiHost
      ? [instance('ui', uiHost, 'running', { uiPort: spec.ui?.port ?? STORM_DEFAULT_PORTS.ui })]
      : []),
  ];
}
