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
  /** What to try, from the failure's cause (connectHint). */
  readonly hint: string;

  constructor(server: string, reason: string, cause?: unknown) {
    super('unavailable', `cannot reach the control plane at ${server}: ${reason}`, {
      retriable: true,
      cause,
    });
    this.server = server;
    this.hint = connectHint(cause);
  }
}

/**
 * Node's TLS error codes for a server certificate hactl does not trust (openssl's verify errors,
 * nodejs.org/api/tls.html "X509 certificate error codes"): the CA was not given.
 */
const UNTRUSTED_CERT = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * What a user should try after a connection failure `cause` (a fetch error, its `cause` holding
 * Node's error code): a certificate not trusted asks for the control plane's CA, a certificate for
 * another name for the address it was issued for, anything else for the server's address. Pure.
 */
export function connectHint(cause: unknown): string {
  const inner = cause instanceof Error ? (cause.cause ?? cause) : cause;
  const code =
    typeof inner === 'object' && inner !== null && typeof (inner as { code?: unknown }).code === 'string'
      ? (inner as { code: string }).code
      : '';
  if (UNTRUSTED_CERT.has(code))
    return (
      "the control plane's certificate is signed by its own CA, which hactl was not given: pass it " +
      "with --ca FILE or the HACTL_CA environment variable (ca.pem in the control plane's data dir)"
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return (
      "the control plane's certificate does not name the host in this URL: use one of its names " +
      "(its listen addresses, the machine's own names and any --tls-name it was started with)"
    );
  return 'is the control plane running there? Point hactl at it with --server URL or the HACTL_SERVER environment variable.';
}

/** Thrown when local input (spec files, stdin) is unreadable or invalid; nothing was sent. */
export class InputError extends HactlError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('invalid_input', message, { details });
  }
}
