import { HactlError, isErrorCode, type ErrorDetail } from '@hactl/shared/errors';

/** Thrown when the command line itself is wrong (bad flag value, bad --server URL); exit code 2. */
export class UsageError extends HactlError {
  constructor(message: string) {
    super('usage', message);
  }
}

/**
 * Thrown when the control plane answers with a non-2xx status; carries its `{error}` body. A code
 * the CLI does not know (a newer server, or not a hactl server) becomes `internal`; the server's
 * own word stays in `serverCode`. `retriable` is the server's when it says, else 503/429.
 */
export class ApiError extends HactlError {
  readonly status: number;
  readonly serverCode: string;

  constructor(
    status: number,
    code: string,
    message: string,
    details: readonly ErrorDetail[] = [],
    /** The server's own word (`error.retriable`); older servers leave it out. */
    retriable?: boolean,
  ) {
    super(isErrorCode(code) ? code : 'internal', message, {
      details,
      retriable: retriable ?? (status === 503 || status === 429),
    });
    this.status = status;
    this.serverCode = code;
  }
}

/** Thrown when the control plane cannot be reached at all (refused, unknown host, timeout). */
export class ConnectError extends HactlError {
  readonly server: string;

  constructor(server: string, reason: string, cause?: unknown) {
    super('unavailable', `cannot reach the control plane at ${server}: ${reason}`, {
      retriable: true,
      cause,
    });
    this.server = server;
  }
}

/** Thrown when local input (spec files, stdin) is unreadable or invalid; nothing was sent. */
export class InputError extends HactlError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('invalid_input', message, { details });
  }
}
