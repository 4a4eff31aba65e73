/**
 * One base error for hactl. `code` is stable and machine-readable (it becomes the HTTP
 * `error.code` and maps to a gRPC status); `retriable` says whether the same call may succeed later.
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

/** Formats details as `path: message` lines for humans. */
export function formatDetails(details: readonly ErrorDetail[]): string {
  return details.map((d) => `  ${d.path || '(root)'}: ${d.message}`).join('\n');
}
