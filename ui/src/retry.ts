/**
 * How long the console waits before fetching again what a failed refresh did not get (ms):
 * 1 s, 2 s, 4 s, … up to 30 s, for `attempt` = 0, 1, 2, …. A refresh fails when a request is
 * aborted (the browser cancels requests in flight when the host's network changes:
 * net::ERR_NETWORK_CHANGED) or the control plane restarts; nothing else would fetch that data
 * again until something unrelated changed, and the page would show an empty or stale fleet. Pure.
 */
export function refreshRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, Math.min(attempt, 5)));
}

/** What one console refresh fetches: the fleet, the cluster list, the events, and cluster views. */
export interface RefreshWhat {
  hosts?: boolean;
  clusters?: boolean;
  events?: boolean;
  /** The clusters whose view and rollouts to fetch; absent: every listed one when `clusters`, else none. */
  cluster?: string[];
}

/**
 * One refresh that fetches everything `a` and `b` do, so failed refreshes wait for one retry
 * between them instead of each backing off on its own. Pure.
 */
export function mergeRefresh(a: RefreshWhat | undefined, b: RefreshWhat): RefreshWhat {
  if (!a) return b;
  const all = (w: RefreshWhat) => w.clusters === true && w.cluster === undefined;
  const merged: RefreshWhat = {
    hosts: a.hosts === true || b.hosts === true,
    clusters: a.clusters === true || b.clusters === true,
    events: a.events === true || b.events === true,
  };
  if (!all(a) && !all(b)) merged.cluster = [...new Set([...(a.cluster ?? []), ...(b.cluster ?? [])])];
  return merged;
}
