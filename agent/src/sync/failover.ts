import { createHash } from 'node:crypto';

/**
 * Which control-plane address the agent dials next, and after how long (issue 15: the control plane
 * runs as several replicas on one store, and any of them serves the agent stream). Pure: the draws
 * in [0, 1) are passed in.
 *
 * - The first address comes from the agent's name (drawOfName): a fleet spreads over the replicas
 *   instead of all landing on the first one listed, as it would with a random draw, and a host starts
 *   at the same replica every time, so "which replica serves host X" has one answer in logs and tests.
 * - A failure (the stream could not be opened, or it ended) moves to the next address at once:
 *   another replica is most likely up, and trying it immediately is what makes a replica's death
 *   cheap for the agents it held.
 * - Only when a whole round of addresses failed in a row does the agent wait, with "full jitter"
 *   (AWS architecture blog, "Exponential Backoff And Jitter": a delay drawn from [0, cap), the cap
 *   doubling per round up to `maxMs`), so a fleet that lost every replica does not come back in the
 *   same instant.
 * - A welcome resets both counts, as before: the next loss starts a fresh round. It counts once the
 *   stream has stayed up for STEADY_MS (planAfterLoss): a replica that welcomes the agent and drops
 *   it at once (a follower that cannot reach its leader, a session closed on arrival) is a failure
 *   like any other, or agents would cycle through the replicas without ever backing off.
 */
export interface FailoverState {
  /** Index into the address list of the address being tried or used. */
  index: number;
  /** Failures in a row within the current round (fewer than the number of addresses). */
  failedInRound: number;
  /** Whole rounds that failed since the last welcome; the backoff cap doubles with each. */
  failedRounds: number;
}

export type FailoverEvent = 'failed' | 'welcomed';

export interface FailoverStep {
  state: FailoverState;
  /** Wait this long before dialing `state.index`; 0 within a round. */
  delayMs: number;
}

/** The starting state for `count` addresses, the first one picked by `draw` in [0, 1) (drawOfName). */
export function planFirstAddress(count: number, draw: number): FailoverState {
  return { index: Math.min(count - 1, Math.floor(draw * count)), failedInRound: 0, failedRounds: 0 };
}

/**
 * A host name's draw in [0, 1): the first 32 bits of its SHA-256 over 2^32. Uniform over names, so
 * 3,000 hosts land 985 / 1,012 / 1,003 on three replicas (failover.test.ts), and the same name always
 * gives the same draw.
 */
export function drawOfName(name: string): number {
  return createHash('sha256').update(name, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/** The state after `event` on `count` addresses, and how long to wait before the next dial. */
export function planNextAttempt(
  state: FailoverState,
  event: FailoverEvent,
  count: number,
  random: number,
  backoff: { baseMs: number; maxMs: number },
): FailoverStep {
  if (event === 'welcomed') return { state: { ...state, failedInRound: 0, failedRounds: 0 }, delayMs: 0 };
  const index = (state.index + 1) % count;
  const failedInRound = state.failedInRound + 1;
  if (failedInRound < count) return { state: { ...state, index, failedInRound }, delayMs: 0 };
  const failedRounds = state.failedRounds + 1;
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failedRounds - 1, 30));
  return { state: { index, failedInRound: 0, failedRounds }, delayMs: Math.floor(random * cap) };
}

/** How long a welcomed stream must have lasted for its loss to start a fresh round. */
export const STEADY_MS = 10_000;

/**
 * The step after a stream was lost: `welcomedForMs` is how long it had been welcomed (undefined when
 * it never was). A steady stream resets the counts first; a short-lived one is just a failure.
 */
export function planAfterLoss(
  state: FailoverState,
  welcomedForMs: number | undefined,
  count: number,
  random: number,
  backoff: { baseMs: number; maxMs: number },
): FailoverStep {
  const from =
    welcomedForMs !== undefined && welcomedForMs >= STEADY_MS
      ? planNextAttempt(state, 'welcomed', count, random, backoff).state
      : state;
  return planNextAttempt(from, 'failed', count, random, backoff);
}
