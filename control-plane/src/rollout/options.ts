import { ValidationError } from '@hactl/shared';

/**
 * What a rollout does to each member: restart it as is, or restart it onto the current config; a
 * `membership` rollout is a membership procedure (control-plane/src/membership), started by an apply
 * that adds or removes members, never by a rollout request; a `stop` rollout is an operator's stop
 * of one member (`hactl stop`, control-plane/src/actions), never started by a rollout request either.
 */
export type RolloutAction = 'restart' | 'apply' | 'upgrade' | 'membership' | 'stop';
/** What a rollout does when a step's gates do not hold within `gateTimeoutSec`. */
export const GATE_TIMEOUT_POLICIES = ['pause', 'abort', 'rollback'] as const;
export type GateTimeoutPolicy = (typeof GATE_TIMEOUT_POLICIES)[number];

/**
 * The limits of the two chosen timings, in seconds: the one place they are decided, for the
 * request checks here and the OpenAPI document (openapi/schemas.ts, document.ts).
 */
export const ROLLOUT_TIMING_LIMITS = {
  pauseBetweenSec: { min: 0, max: 3600 },
  gateTimeoutSec: { min: 5, max: 86_400 },
} as const;

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

/**
 * The options an operator may choose for the rollout an apply or a rollback starts
 * (`PUT /v1/clusters/{name}` and `POST /v1/apply` take them as query parameters, a rollback in its
 * body; `hactl apply` and `hactl rollback --gate-timeout …`); each absent one keeps its default
 * (defaultRolloutOptions).
 */
export type RolloutChoices = Partial<
  Pick<RolloutOptions, 'pauseBetweenSec' | 'gateTimeoutSec' | 'onGateTimeout'>
>;

/** Names of the fields RolloutChoices holds, as the request body and the query spell them. */
export const ROLLOUT_CHOICE_FIELDS = ['pauseBetweenSec', 'gateTimeoutSec', 'onGateTimeout'] as const;

type Problem = { path: string; message: string };

/**
 * Checks the chosen options in `b` (absent ones are left out), pushing one problem per bad field:
 * the one place their limits are decided, for a rollout request's body and an apply's query.
 */
function checkChoices(b: Readonly<Record<string, unknown>>, problems: Problem[]): RolloutChoices {
  const out: RolloutChoices = {};
  for (const k of ['pauseBetweenSec', 'gateTimeoutSec'] as const) {
    const v = b[k];
    const { min, max } = ROLLOUT_TIMING_LIMITS[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      problems.push({ path: k, message: `must be an integer between ${min} and ${max}` });
    else out[k] = v;
  }
  const policy = b.onGateTimeout;
  if (policy !== undefined) {
    if (!(GATE_TIMEOUT_POLICIES as readonly unknown[]).includes(policy))
      problems.push({ path: 'onGateTimeout', message: 'must be pause, abort or rollback' });
    else out.onGateTimeout = policy as GateTimeoutPolicy;
  }
  return out;
}

/**
 * The shell every request body with rollout options shares: an object (else throws, with
 * `notAnObject`'s message and detail), whose fields are `known` or ROLLOUT_CHOICE_FIELDS (one
 * `unknown field` problem each, pushed to `problems`: a misspelt option would otherwise be
 * dropped and its default used).
 */
function checkBodyFields(
  body: unknown,
  problems: Problem[],
  o: { notAnObject: [message: string, detail: string]; known: readonly string[] },
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError(o.notAnObject[0], [{ path: '', message: o.notAnObject[1] }]);
  const b = body as Record<string, unknown>;
  const known = new Set<string>([...o.known, ...ROLLOUT_CHOICE_FIELDS]);
  for (const k of Object.keys(b)) if (!known.has(k)) problems.push({ path: k, message: 'unknown field' });
  return b;
}

/** Checks a rollout request body; every problem at once. */
export function parseRolloutRequest(body: unknown): RolloutOptions {
  const problems: Problem[] = [];
  const b = checkBodyFields(body, problems, {
    notAnObject: ['rollout request must be an object', 'expected {action, ...}'],
    known: ['action', 'batchSize', 'revision'],
  });
  const action = b.action;
  if (action !== 'restart' && action !== 'apply' && action !== 'upgrade')
    problems.push({ path: 'action', message: 'must be restart, apply or upgrade' });
  const opts = defaultRolloutOptions((action as RolloutAction) ?? 'restart');
  if (b.batchSize !== undefined && b.batchSize !== 1)
    problems.push({
      path: 'batchSize',
      message: 'only 1 is supported: never more than one member down at a time',
    });
  const choices = checkChoices(b, problems);
  if (b.revision !== undefined)
    problems.push({
      path: 'revision',
      message: 'rollouts always use the current revision; use POST /v1/clusters/{name}/rollback to go back',
    });
  if (problems.length) throw new ValidationError('invalid rollout request', problems);
  return { ...opts, ...choices };
}

/**
 * The rollout options of an apply's query (`?gateTimeoutSec=30&onGateTimeout=rollback`), read
 * through `query` (a parameter's value, undefined when absent). Seconds are whole decimal numbers
 * as in a rollout request's body.
 * @throws ValidationError naming every bad parameter, with the same limits as parseRolloutRequest.
 */
export function parseRolloutQuery(query: (name: string) => string | undefined): RolloutChoices {
  const values: Record<string, unknown> = {};
  for (const k of ROLLOUT_CHOICE_FIELDS) {
    const v = query(k);
    if (v === undefined) continue;
    // A number only when it is one in full ("30", not "30s" or "3e1"), so the check names the text.
    values[k] = k === 'onGateTimeout' || !/^[0-9]{1,9}$/.test(v) ? v : Number(v);
  }
  const problems: Problem[] = [];
  const choices = checkChoices(values, problems);
  if (problems.length) throw new ValidationError('invalid query', problems);
  return choices;
}

/** A rollback request: the revision to go back to, the operator's message, the rollout's options. */
export interface RollbackRequest {
  to: number;
  /** Absent when the body has none (the x-hactl-message header may give it). */
  message?: string;
  choices: RolloutChoices;
}

/**
 * Checks a rollback request body (`POST /v1/clusters/{name}/rollback`: `{to, message?,
 * pauseBetweenSec?, gateTimeoutSec?, onGateTimeout?}`); every problem at once. An unknown field is
 * refused rather than ignored: a misspelt option (`gateTimeout`) would otherwise start the
 * rollback with the default it meant to replace.
 * @throws ValidationError naming every bad or unknown field (`to` must be a whole number from 1 up
 *   to 2^53-1, as JSON Schema's integer in the OpenAPI document); `onGateTimeout: rollback` is refused
 *   later, by Changes.rollback, which owns that rule.
 */
export function parseRollbackRequest(body: unknown): RollbackRequest {
  const problems: Problem[] = [];
  const b = checkBodyFields(body, problems, {
    notAnObject: ['invalid rollback request', 'expected an object {to, ...}'],
    known: ['to', 'message'],
  });
  const to = b.to;
  if (typeof to !== 'number' || !Number.isSafeInteger(to) || to < 1)
    problems.push({ path: 'to', message: 'must be a revision number' });
  // Longer messages are kept to their first 500 characters, as the x-hactl-message header of any
  // other change is (api/app.ts meta), so `hactl rollback -m` and `hactl apply -m` agree.
  const message = b.message;
  if (message !== undefined && typeof message !== 'string')
    problems.push({ path: 'message', message: 'must be a string' });
  const choices = checkChoices(b, problems);
  if (problems.length) throw new ValidationError('invalid rollback request', problems);
  return { to: to as number, ...(message !== undefined ? { message: message as string } : {}), choices };
}
