import type { AgentServiceKind } from '../types.js';
import type { StormAgentInputs } from './inputs.js';
import { planStormProcess } from './process.js';
import { createStormProber } from './probe.js';
import { isStormReady } from './ready.js';
import { createNimbusChecks } from './fence-session.js';

export const stormAgentKind: AgentServiceKind<StormAgentInputs> = {
  kind: 'storm',
  serviceUser: 'storm',
  planProcess: planStormProcess,
  createProber: () => createStormProber(),
  isReady: (probe) => isStormReady(probe),
  // The nimbus fence (architecture §5), one ZooKeeper session per nimbus instance.
  createChecks: () => createNimbusChecks(Date.now),
};
