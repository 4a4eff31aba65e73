import { HactlError, type ErrorDetail } from '@hactl/shared/errors';

/** Thrown when the command line itself is wrong (bad flag value, bad --server URL); exit code 2. */
export class UsageError extends HactlError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Thrown when the control plane answers with a non-2xx status; carries its `{error}` body. */
export class ApiError extends HactlError {
  readonly status: number;

  constructor(status: number, code: string, message: string, details: readonly ErrorDetail[] = []) {
    super(code, message, { details, retriable: status === 503 || status === 429 });
    this.status = status;
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
