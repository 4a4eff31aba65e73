/**
 * When to renew a client certificate valid from `notBefore` to `notAfter` (ms since the epoch),
 * seen at `now`: at two thirds of its life, as cert-manager's default `renewBefore` does, leaving
 * the last third for retries while the control plane is away. Pure.
 * @returns the delay in ms from `now` (0 when it is due already) and whether the certificate has expired.
 */
export function planRenewal(
  notBefore: number,
  notAfter: number,
  now: number,
): { delayMs: number; expired: boolean } {
  const due = notBefore + Math.floor(((notAfter - notBefore) * 2) / 3);
  return { delayMs: Math.max(0, due - now), expired: now >= notAfter };
}

/** After a failed renewal, try again in a minute, or sooner when the certificate expires before that. */
export function planRenewalRetry(notAfter: number, now: number): number {
  return Math.max(1000, Math.min(60_000, Math.floor((notAfter - now) / 2)));
}
