import { capList } from './cap-list.js';

/**
 * Every error code hactl uses. Each transport maps every one of them, in one table
 * (control-plane/src/errors.ts: HTTP status and gRPC status side by side), so adding a code
 * without deciding how it travels does not compile.
 */
export type ErrorCode =
  /** A request, spec or message field is invalid; `details` name the fields. */
  | 'invalid_argument'
  /** A body is not JSON (or not the JSON its field must hold). */
  | 'invalid_json'
  /** A CLI input file or flag value is invalid. */
  | 'invalid_input'
  /** The CLI was called wrongly. */
  | 'usage'
  | 'not_found'
  /** No credential, or one that is unknown, expired or revoked (HTTP 401). */
  | 'unauthenticated'
  /** A valid credential whose scopes or identity do not allow the call (HTTP 403). */
  | 'permission_denied'
  /** A second agent session for a connected host name. */
  | 'already_exists'
  /** The change conflicts with the current state (a rollout runs, a kind cannot change). */
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** A peer did not say what it must within its deadline (e.g. no hello on a new stream). */
  | 'deadline_exceeded'
  /** A dependency (store, agent, network peer) is unavailable for now; retriable. */
  | 'unavailable'
  /** The store's disk is full. */
  | 'insufficient_storage'
  /** This control-plane replica lost its leadership (a newer epoch leads); another replica serves writes. */
  | 'not_leader'
  /** A service kind's planner cannot plan a spec against the fleet. */
  | 'plan_failed'
  /** The control plane answered the CLI with a body that breaks the REST contract. */
  | 'bad_response'
  /** The agent could not write a file atomically. */
  | 'file_write_failed'
  /** A process would not stop, even after SIGKILL. */
  | 'stop_failed'
  /** A supervisor was used after it was disposed. */
  | 'supervisor_disposed'
  /** Anything else: a bug, reported without its details. */
  | 'internal';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_argument',
  'invalid_json',
  'invalid_input',
  'usage',
  'not_found',
  'already_exists',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'deadline_exceeded',
  'unavailable',
  'insufficient_storage',
  'not_leader',
  'plan_failed',
  'bad_response',
  'file_write_failed',
  'stop_failed',
  'supervisor_disposed',
  'internal',
  'unauthenticated',
  'permission_denied',
]);

/** Whether `code` (e.g. read from a server's error body) is one of hactl's error codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return ERROR_CODES.has(code);
}

/**
 * One base error for hactl. `code` is stable and machine-readable (it becomes the HTTP
 * `error.code` and maps to a gRPC status); `retriable` says whether the same call may succeed later.
 * The codes thrown from shared: `invalid_argument`, `not_found`, `conflict`, `unavailable`,
 * `plan_failed` (the classes below) and `invalid_json` (json-input.ts).
 */
export class HactlError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retriable?: boolean; details?: readonly ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details ?? [];
  }
}

/** One problem with an input, located by a field path such as `members[1].id`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** Thrown when a spec, request body or config file is invalid; lists every problem at once. */
export class ValidationError extends HactlError {
  constructor(message: string, details: readonly ErrorDetail[]) {
    super('invalid_argument', message, { details });
  }
}

/** Thrown when a named object (cluster, host, rollout) does not exist. */
export class NotFoundError extends HactlError {
  /** `hint`, when given, follows the message (e.g. which names exist). */
  constructor(what: string, name: string, hint?: string) {
    super('not_found', `${what} ${JSON.stringify(name)} not found${hint ? `; ${hint}` : ''}`);
  }
}

/**
 * A NotFoundError for `what` named `name`, naming the ones that exist (in name order, the first
 * ten), so a mistyped name shows the right one: `cluster "kafka" not found; there are kafka-main,
 * zk-main`, or `; there are no clusters`. The server's answers and the CLI's own lookups word it
 * alike.
 */
export function notFoundAmong(what: string, name: string, known: Iterable<string>): NotFoundError {
  const names = [...known].sort();
  return new NotFoundError(
    what,
    name,
    names.length ? `there are ${capList(names, 10).join(', ')}` : `there are no ${what}s`,
  );
}

/** Thrown when a change conflicts with current state (e.g. changing a cluster's kind). */
export class ConflictError extends HactlError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('conflict', message, { details });
  }
}

/** Thrown when a dependency (store, network peer) is temporarily unavailable. */
export class UnavailableError extends HactlError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { retriable: true, cause });
  }
}

/**
 * Thrown by a kind's planner when it cannot plan a spec it was given: a host or cluster the spec
 * names is no longer registered, or a stored fact it needs is missing or malformed. The message
 * names the cluster and the field; `details` holds the field path. Not retriable: the spec, the
 * fleet or the stored facts must change first.
 */
export class PlanError extends HactlError {
  readonly cluster: string;

  constructor(cluster: string, path: string, problem: string) {
    super('plan_failed', `cluster ${JSON.stringify(cluster)}, ${path}: ${problem}`, {
      details: [{ path, message: problem }],
    });
    this.cluster = cluster;
  }
}

/** Formats details as `path: message` lines for humans. */
export function formatDetails(details: readonly ErrorDetail[]): string {
  return details.map((d) => `  ${d.path || '(root)'}: ${d.message}`).join('\n');
}

/**
 * The problems `run` reports as `path: message` lines: [] when it returns, the details of the
 * ValidationError it throws; any other error is rethrown. For table tests of `load*`/`check*`.
 */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.details.map((d) => `${d.path}: ${d.message}`);
    throw err;
  }
}
