/**
 * The word a lease refusal starts with when the control plane ends the attempt instead of asking it
 * to wait: no running rollout asks for the member's restart any more (paused, aborted, finished,
 * or asked again under a newer command). The agent gives that attempt up and reports it failed
 * with the refusal as its error; the control plane then knows that attempt restarted nothing.
 * The one place both sides read it from.
 */
const ABANDON = 'abandon:';

/** A refusal that ends the attempt: `abandon: <why>`. Pure. */
export function abandonReason(why: string): string {
  return `${ABANDON} ${why}`;
}

/**
 * Whether `text` (a lease refusal's reason, or the error of a command result that carries it) says
 * the attempt was abandoned. Pure.
 */
export function isAbandon(text: string): boolean {
  return text.startsWith(ABANDON);
}
