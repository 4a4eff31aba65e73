import { ValidationError } from '@hactl/shared';

/**
 * What a rollout does to each member: restart it as is, or restart it onto the current config; a
 * `membership` rollout is a membership procedure (control-plane/src/membership), started by an apply
 * that adds or removes members, never by a rollout request; a `stop` rollout is an operator's stop
 * of one member (`hactl stop`, control-plane/src/actions), never started by a rollout request either.
 */
export type RolloutAction = 'restart' | 'apply' | 'upgrade' | 'membership' | 'stop';
export type GateTimeoutPolicy = 'pause' | 'abort' | 'rollback';

export interface RolloutOptions {
  action: RolloutAction;
  /** Only 1 is supported: one member down at a time is the point. */
  batchSize: 1;
  pauseBetweenSec: number;
  gateTimeoutSec: number;
  onGateTimeout: GateTimeoutPolicy;
  /**
   * Membership procedures only: stop removed members even when their kind's pre-stop check refuses
   * (a Kafka broker that still holds partition replicas). Given as `hactl apply --force-removal`.
   */
  forceRemoval?: boolean;
  /** `stop` rollouts only: who stopped the member and why (recorded once the stop is done). */
  operator?: { by: string; reason: string };
}

export function defaultRolloutOptions(action: RolloutAction): RolloutOptions {
  return { action, batchSize: 1, pauseBetweenSec: 0, gateTimeoutSec: 600, onGateTimeout: 'pause' };
}

/** Checks a rollout request body; every problem at once. */
export function parseRolloutRequest(body: unknown): RolloutOptions {
  const problems: { path: string; message: string }[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError('rollout request must be an object', [
      { path: '', message: 'expected {action, ...}' },
    ]);
  const b = body as Record<string, unknown>;
  const known = new Set([
    'action',
    'batchSize',
    'pauseBetweenSec',
    'gateTimeoutSec',
    'onGateTimeout',
    'revision',
  ]);
  for (const k of Object.keys(b)) if (!known.has(k)) problems.push({ path: k, message: 'unknown field' });
  const action = b.action;
  if (action !== 'restart' && action !== 'apply' && action !== 'upgrade')
    problems.push({ path: 'action', message: 'must be restart, apply or upgrade' });
  const opts = defaultRolloutOptions((action as RolloutAction) ?? 'restart');
  if (b.batchSize !== undefined && b.batchSize !== 1)
    problems.push({
      path: 'batchSize',
      message: 'only 1 is supported: never more than one member down at a time',
    });
  const int = (k: 'pauseBetweenSec' | 'gateTimeoutSec', min: number, max: number) => {
    const v = b[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      problems.push({ path: k, message: `must be an integer between ${min} and ${max}` });
    else opts[k] = v;
  };
  int('pauseBetweenSec', 0, 3600);
  int('gateTimeoutSec', 5, 86_400);
  if (b.onGateTimeout !== undefined) {
    if (b.onGateTimeout !== 'pause' && b.onGateTimeout !== 'abort' && b.onGateTimeout !== 'rollback')
      problems.push({ path: 'onGateTimeout', message: 'must be pause, abort or rollback' });
    else opts.onGateTimeout = b.onGateTimeout;
  }
  if (b.revision !== undefined)
    problems.push({
      path: 'revision',
      message: 'rollouts always use the current revision; use POST /v1/clusters/{name}/rollback to go back',
    });
  if (problems.length) throw new ValidationError('invalid rollout request', problems);
  return opts;
}
