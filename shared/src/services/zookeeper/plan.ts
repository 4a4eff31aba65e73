import { resolveDistribution } from '../../distribution.js';
import type { InstancePlan } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { instanceId } from '../instance-id.js';
import type { ZookeeperSpec } from './spec.js';
import { isZookeeperPathKey, resolveMember } from './spec.js';
import { requireHost } from '../hosts.js';
import { normalisePath } from '../../paths.js';
import type { ZookeeperInputs } from './inputs.js';

/** ZooKeeper reads these from zoo.cfg; defaults follow zoo_sample.cfg (service-facts §1.1). */
const DEFAULT_CONFIG: Record<string, string> = { tickTime: '2000', initLimit: '10', syncLimit: '5' };

/** zookeeper.log rolls at 64 MB with 10 old files kept: at most 704 MB per member. */
export const DEFAULT_ZK_LOGGING = { maxFileSize: '64MB', maxFiles: 10, level: 'INFO' } as const;

/**
 * Four-letter words the agent's probe needs. Only `srvr` is whitelisted by default since 3.5.3
 * (service-facts §0.3), and `ruok` alone says nothing about quorum (§0.2), so mntr must be allowed.
 */
export const REQUIRED_4LW = ['mntr', 'ruok', 'srvr'] as const;

export function instanceIdFor(cluster: string, myid: number): string {
  return instanceId(cluster, `zk-${myid}`);
}

/** Spec → one instance per member with fully resolved inputs. Assumes a validated spec; throws a PlanError for a host no longer registered. */
export function planZookeeper(spec: ZookeeperSpec, fleet: FleetContext): InstancePlan<ZookeeperInputs>[] {
  const members = spec.members.map((m, i) =>
    resolveMember(spec, m, requireHost(fleet.hosts, m.host, spec.name, `members[${i}].host`)),
  );
  const servers =
    members.length > 1
      ? members
          .map((r) => ({
            id: r.id,
            address: r.host.address,
            peerPort: r.peerPort,
            electionPort: r.electionPort,
          }))
          .sort((a, b) => a.id - b.id)
      : [];

  const config: Record<string, string> = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(spec.settings)) {
    if (k === 'dataDir') continue; // resolved per member
    config[k] = isZookeeperPathKey(k) ? normalisePath(String(v)) : String(v);
  }
  config['4lw.commands.whitelist'] = mergeWhitelist(config['4lw.commands.whitelist']);

  const jvmFlags = [
    ...(spec.jvm?.heap ? [`-Xms${spec.jvm.heap}`, `-Xmx${spec.jvm.heap}`] : []),
    ...(spec.jvm?.flags ?? []),
  ];

  return members.map((r) => {
    const base = normalisePath(`${r.host.dataRoot}/zookeeper/${spec.name}/${r.id}`);
    const inputs: ZookeeperInputs = {
      cluster: spec.name,
      myid: r.id,
      address: r.host.address,
      clientPort: r.clientPort,
      peerPort: r.peerPort,
      electionPort: r.electionPort,
      adminPort: r.adminPort,
      confDir: `${base}/conf`,
      dataDir: r.dataDir,
      logDir: `${base}/logs`,
      servers,
      config,
      jvmFlags,
      logging: { ...DEFAULT_ZK_LOGGING, ...spec.logging },
      ...(spec.distribution.home || spec.distribution.package
        ? resolveDistribution(spec.distribution, r.host.dataRoot, 'zookeeper')
        : {}),
      ...(spec.distribution.java ? { java: spec.distribution.java } : {}),
    };
    return {
      id: instanceIdFor(spec.name, r.id),
      cluster: spec.name,
      kind: 'zookeeper' as const,
      hostId: r.host.id,
      role: 'member',
      runState: 'running' as const,
      inputs,
    };
  });
}

function mergeWhitelist(user: string | undefined): string {
  const words = new Set(
    (user ?? '')
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean),
  );
  if (words.has('*')) return '*';
  for (const w of REQUIRED_4LW) words.add(w);
  return [...words].sort().join(',');
}
