import type { AgentServiceKind } from '../types.js';
import type { StormAgentInputs } from './inputs.js';
import { planStormProcess } from './process.js';
import { createStormProber } from './probe.js';
import { isStormReady } from './ready.js';

export const stormAgentKind: AgentServiceKind<StormAgentInputs> = {
  kind: 'storm',
  serviceUser: 'storm',
  planProcess: planStormProcess,
  createProber: () => createStormProber(),
  isReady: (probe) => isStormReady(probe),
};
