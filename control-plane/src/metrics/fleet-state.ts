import type { Fleet } from '../reconcile/fleet.js';
import type { RolloutEngine } from '../rollout/engine.js';
import type { FleetState } from './samples.js';

/**
 * What one scrape reads, through one status reader (each cluster rolled up once): every cluster's
 * view as `GET /v1/clusters/{name}` shows it (without the Storm failover additions), every host as
 * `GET /v1/hosts`, and each cluster's running or paused rollout as `GET /v1/rollouts/{id}`.
 */
export function readFleetState(fleet: Fleet, rollouts: RolloutEngine): FleetState {
  const reader = fleet.status();
  const clusters = reader.list().map((s) => reader.cluster(s.name));
  const active = clusters.flatMap((c) => {
    const r = rollouts.active(c.name);
    return r ? [rollouts.view(r.id)] : [];
  });
  return { clusters, hosts: reader.hosts(), rollouts: active };
}
