/**
 * Exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff And Jitter"):
 * spreads reconnects after a control-plane restart so agents do not arrive as a thundering herd.
 * Pure: the random draw in [0, 1) is passed in.
 */
export function planBackoff(
  attempt: number,
  random: number,
  opts: { baseMs: number; maxMs: number },
): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(cap / 2 + (random * cap) / 2);
}
