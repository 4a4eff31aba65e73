/**
 * One base error for hactl. `code` is stable and machine-readable (it becomes the HTTP
 * `error.code` and maps to a gRPC status); `retriable` says whether the same call may succeed later.
 * The codes thrown from shared: `invalid_argument`, `not_found`, `conflict`, `unavailable`,
 * `plan_failed` (the classes below) and `invalid_json` (json-input.ts).
 */
export class HactlError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: string,
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
  constructor(what: string, name: string) {
    super('not_found', `${what} ${JSON.stringify(name)} not found`);
  }
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
