import type { InstanceObservation } from '@hactl/shared';

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
