import type { AgentServiceKind } from '../types.js';
import type { StormAgentInputs } from './inputs.js';
import { planStormProcess } from './process.js';
import { createStormProber } from './probe.js';
import { isStormReady } from './ready.js';
import { SelfFence, checkNimbusFence } from './fence.js';

const selfFence = new SelfFence(Date.now);

export const stormAgentKind: AgentServiceKind<StormAgentInputs> = {
  kind: 'storm',
  serviceUser: 'storm',
  planProcess: planStormProcess,
  createProber: () => createStormProber(),
  isReady: (probe) => isStormReady(probe),
  // The nimbus fence (architecture §5): claimed before a start, checked while running; a running
  // nimbus is stopped only on a certain answer (ZooKeeper read, newer epoch there).
  checkStart: async (inputs, timeoutMs) => {
    const a = await checkNimbusFence(inputs, { claim: true, timeoutMs });
    return a.ok ? undefined : a.reason;
  },
  checkRunning: (inputs, timeoutMs) => selfFence.check(inputs, timeoutMs),
};
