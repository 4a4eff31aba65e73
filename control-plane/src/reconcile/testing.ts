import { PROBE_QUERY, type InstanceObservation } from '@hactl/shared';
import type { AgentHello, Fleet } from './fleet.js';

/** What an agent reports of one instance (as Fleet.recordStatus takes it): running, unprobed, unless `o` says otherwise. For tests. */
export function reportedInstance(
  id: string,
  o: Partial<Omit<InstanceObservation, 'id' | 'hostId' | 'reportedAt'>> = {},
): Omit<InstanceObservation, 'hostId' | 'reportedAt'> {
  return {
    id,
    process: 'running',
    pid: 100,
    restarts: 0,
    detail: '',
    restartPending: false,
    probeAt: 0,
    probe: undefined,
    ...o,
  };
}

/**
 * The generation planned for a host, which an agent that applied its desired state reports (a
 * report ahead of it counts as nothing applied: Fleet.recordStatus). For tests.
 */
export function plannedGeneration(fleet: Pick<Fleet, 'snapshot'>, hostId: string): number {
  return fleet.snapshot().desired.get(hostId)?.generation ?? 0;
}

/**
 * The hello of an agent on host `name` at `address` that answers the probe query (shared
 * PROBE_QUERY), data root /d, no labels or facts.
 */
export function probingHello(name: string, address: string): AgentHello {
  return {
    name,
    address,
    agentVersion: 't',
    capabilities: [PROBE_QUERY],
    dataRoot: '/d',
    labels: {},
    facts: {},
  };
}
