import type { ServiceKind } from '../types.js';
import { stormSpecSchema, stormZookeeperRoot, validateStormSpec, type StormSpec } from './spec.js';
import { planStorm } from './plan.js';
import { parseStormInputs, type StormInputs } from './inputs.js';
import { renderStormFiles } from './render.js';
import { parseStormProbe } from './probe.js';
import { checkStormHealth } from './health.js';
import { indexPath } from '../member.js';
import { findHost } from '../hosts.js';
import { checkStormIdentityChange } from './identity.js';

export * from './spec.js';
export * from './plan.js';
export * from './inputs.js';
export * from './render.js';
export * from './probe.js';
export * from './health.js';
export * from './identity.js';
export * from './fence.js';
export * from './warnings.js';

export const stormKind: ServiceKind<StormSpec, StormInputs> = {
  kind: 'storm',
  specSchema: stormSpecSchema,
  validate: validateStormSpec,
  plan: planStorm,
  parseInputs: parseStormInputs,
  render: renderStormFiles,
  parseProbe: parseStormProbe,
  checkHealth: checkStormHealth,
  claims: (i) => {
    // One array, pushed to: claims() runs for every instance of the fleet on each apply.
    const ports: { port: number; what: string }[] = [];
    if (i.role === 'nimbus') ports.push({ port: i.nimbusPort, what: 'storm nimbus.thrift.port' });
    if (i.role === 'ui' && i.uiPort !== undefined) ports.push({ port: i.uiPort, what: 'storm ui.port' });
    if (i.role === 'supervisor') {
      if (i.supervisorThriftPort !== undefined)
        ports.push({ port: i.supervisorThriftPort, what: 'storm supervisor.thrift.port' });
      // Workers bind the slot ports, not the supervisor (emulator README), but they are the host's all the same.
      for (const port of i.slots ?? []) ports.push({ port, what: 'storm supervisor.slots.ports (worker)' });
    }
    return { ports, dirs: [i.localDir, i.logDir] };
  },
  // One instance per role per host: the host's entry in that role's list.
  memberPath: (spec, plan, hosts) => {
    const onHost = (ref: string) => findHost(hosts, ref)?.id === plan.hostId;
    if (plan.role === 'ui') return spec.ui && onHost(spec.ui.host) ? 'ui.host' : undefined;
    const list = plan.role === 'nimbus' ? 'nimbus.hosts' : 'supervisors.hosts';
    return indexPath(list, plan.role === 'nimbus' ? spec.nimbus.hosts : spec.supervisors.hosts, onHost);
  },
  // Storm keeps all its state in ZooKeeper; nothing starts before the ensemble is healthy.
  dependencies: (spec) => [spec.zookeeper],
  znodeRoot: (spec) => ({
    zookeeper: spec.zookeeper,
    root: stormZookeeperRoot(spec),
    path: 'settings.storm.zookeeper.root',
  }),
  checkIdentityChange: checkStormIdentityChange,
  // A supervisor's probe reads its own registration; the UI counts the supervisors and a nimbus
  // reads the leader latch, which names its peers.
  observesPeers: (plan) => plan.role !== 'supervisor',
};
