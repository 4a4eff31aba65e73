import { UsageError } from '../errors.js';
import type { RolloutChoices } from '../../rollout/options.js';

/** The flags `hactl rollout start`, `hactl apply` and `hactl rollback` share to choose a rollout's options. */
export interface RolloutChoiceFlags {
  gateTimeout?: string;
  onGateTimeout?: string;
  pauseBetween?: string;
}

/**
 * The rollout options the flags choose, as the REST API names them (a rollout request's body, an
 * apply's query); absent flags are left out, so the control plane's defaults apply. The limits are
 * the control plane's to check (rollout/options.ts); here only the form.
 * @throws UsageError for seconds that are not a whole number, naming the flag.
 */
export function rolloutChoices(flags: RolloutChoiceFlags): RolloutChoices {
  const out: RolloutChoices = {};
  const gt = seconds(flags.gateTimeout, '--gate-timeout');
  const pb = seconds(flags.pauseBetween, '--pause-between');
  if (gt !== undefined) out.gateTimeoutSec = gt;
  if (pb !== undefined) out.pauseBetweenSec = pb;
  // commander's choices() has checked the word.
  if (flags.onGateTimeout !== undefined)
    out.onGateTimeout = flags.onGateTimeout as NonNullable<RolloutChoices['onGateTimeout']>;
  return out;
}

function seconds(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(v)) throw new UsageError(`${flag} must be a number of seconds`);
  return Number(v);
}
