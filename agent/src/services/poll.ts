/** Time and sleep for a polling procedure; real ones by default, fakes in tests. */
export interface PollDeps {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Between two checks. */
  intervalMs?: number;
}

/**
 * Runs `check` until `final` says its result ends the wait or `timeoutMs` has passed since the
 * start (the check always runs at least once); resolves with the last result and whether the time
 * ran out. `check` should turn its own failures into a non-final result with the reason: a
 * rejection ends the poll with it.
 */
export async function pollUntil<R>(
  timeoutMs: number,
  check: () => Promise<R>,
  final: (r: R) => boolean,
  deps: PollDeps = {},
  defaultIntervalMs = 500,
): Promise<{ result: R; timedOut: boolean }> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (final(result)) return { result, timedOut: false };
    if (now() >= deadline) return { result, timedOut: true };
    await sleep(deps.intervalMs ?? defaultIntervalMs);
  }
}

/** An error's message (or the value as text), for reasons. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
