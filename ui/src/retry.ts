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
