import {
  NotFoundError,
  parseStatusAnswer,
  type InstanceObservation,
  type InstancePlan,
  type ProcessAnswer,
} from '@hactl/shared';
import type { Fleet } from '../reconcile/fleet.js';
import type { HostProcessView, HostStatusView } from './views.js';

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

/**
 * The rows of `hactl status HOST`: every instance planned on the host or reported by its agent, in
 * instance order. The agent's live answer (`live`, undefined when it did not answer) gives process
 * state, pid and start time; the last report (`observations`) gives the last probe, and stands in for
 * the process state when the agent did not answer. Uptime counts from the start time to `now` (ms).
 * Pure.
 */
export function buildHostProcesses(input: {
  plans: readonly InstancePlan[];
  live: readonly ProcessAnswer[] | undefined;
  observations: ReadonlyMap<string, InstanceObservation>;
  /** Why a member is stopped by the operator, by instance id. */
  operatorStops: ReadonlyMap<string, string>;
  now: number;
}): HostProcessView[] {
  const live = new Map((input.live ?? []).map((p) => [p.instance, p]));
  const ids = new Set([...input.plans.map((p) => p.id), ...live.keys()]);
  const plan = new Map(input.plans.map((p) => [p.id, p]));
  return [...ids].sort().map((id): HostProcessView => {
    const p = live.get(id);
    const obs = input.observations.get(id);
    const started = p && p.pid > 0 ? p.startedAt : 0;
    const reason = input.operatorStops.get(id) ?? p?.reason ?? '';
    return {
      instance: id,
      kind: p?.kind ?? plan.get(id)?.kind ?? '',
      runState: plan.get(id)?.runState ?? p?.runState ?? 'not desired',
      state: p?.state ?? (obs ? `${obs.process} (last report)` : 'unknown'),
      pid: p ? p.pid : (obs?.pid ?? 0),
      startedAt: iso(started),
      uptimeSec: started > 0 ? Math.max(0, Math.round((input.now - started) / 1000)) : null,
      restarts: p?.restarts ?? obs?.restarts ?? 0,
      lastProbe: iso(obs?.probeAt ?? 0),
      probe: obs?.detail ?? '',
      reason,
    };
  });
}

/**
 * `hactl status HOST` (host name or id): asks the host's agent for its processes (the `status`
 * query) and joins its last reports. An agent that is not connected or does not answer within
 * `timeoutMs` gives the last reports only, with a note saying so. Throws NotFoundError for an
 * unknown host.
 */
export async function readHostStatus(
  fleet: Fleet,
  host: string,
  o: { now: number; timeoutMs: number; operatorStops: (plan: InstancePlan) => string | undefined },
): Promise<HostStatusView> {
  const view = fleet.listHosts().find((h) => h.name === host || h.id === host);
  if (!view) throw new NotFoundError('host', host);
  const plans = [...fleet.snapshot().clusters.values()].flatMap((c) =>
    c.plans.filter((p) => p.hostId === view.id),
  );
  let live: ProcessAnswer[] | undefined;
  let note = '';
  const r = await fleet.queryAgent(view.id, { instanceId: '', action: 'status', args: [] }, o.timeoutMs);
  if (r.ok) {
    live = parseStatusAnswer(r.output);
    if (!live)
      note = `the agent on ${view.name} answered the status request with something that is not a process list`;
  } else note = `${r.error}; showing the agent's last report`;
  const observations = new Map<string, InstanceObservation>();
  const operatorStops = new Map<string, string>();
  for (const p of plans) {
    const obs = fleet.observation(p.id);
    if (obs) observations.set(p.id, obs);
    const stop = o.operatorStops(p);
    if (stop) operatorStops.set(p.id, stop);
  }
  return {
    host: view.name,
    id: view.id,
    address: view.address,
    connected: view.connected,
    lastSeen: view.lastSeen,
    note,
    processes: buildHostProcesses({ plans, live, observations, operatorStops, now: o.now }),
  };
}
