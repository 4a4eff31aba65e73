import { HactlError, isErrorCode, type ErrorDetail } from '@hactl/shared/errors';
import { isRecord } from './api-types.js';

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

/**
 * Node's TLS error codes for a server certificate that no CA hactl trusts has signed (openssl's
 * verify errors, nodejs.org/api/tls.html "X509 certificate error codes"): the control plane's CA
 * was not given, or another one was.
 */
const UNTRUSTED_CERT = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/**
 * The code of a request answered by an HTTP/2-only server (client.ts `grpcPortAnswer`): with TLS,
 * Node's http2 core answers an HTTP/1.1 request 403 "Missing ALPN Protocol"; in plaintext the
 * answer does not parse as HTTP/1.1 at all (llhttp's HPE_INVALID_CONSTANT).
 */
export const GRPC_PORT_CODE = 'HACTL_GRPC_PORT';

/**
 * The errno or TLS code of a transport failure: node:http puts it on the error itself, fetch
 * (undici) wraps it as "fetch failed" with the reason in `cause`, and happy-eyeballs failures
 * arrive as an AggregateError whose own code may be unset (its first error's). Pure.
 */
export function transportErrorCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause ?? err) : err;
  if (isRecord(cause) && typeof cause.code === 'string') return cause.code;
  const first = cause instanceof AggregateError ? (cause.errors[0] as unknown) : undefined;
  return isRecord(first) && typeof first.code === 'string' ? first.code : undefined;
}

/**
 * What a user should try after a connection failure `cause` (transportErrorCode): a certificate
 * not trusted asks for the control plane's CA, a certificate for another name for one of its
 * names, the gRPC port for the REST one, anything else for the server's address. Pure.
 */
export function connectHint(cause: unknown): string {
  const code = transportErrorCode(cause) ?? '';
  if (UNTRUSTED_CERT.has(code))
    return (
      "the control plane's certificate is not signed by a CA hactl trusts: pass the control plane's " +
      'CA (ca.pem in its data dir) with --ca FILE or the HACTL_CA environment variable'
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return (
      "the control plane's certificate does not name the host in this URL: use one of its names " +
      "(its listen addresses, the machine's own names and any --tls-name it was started with)"
    );
  if (code === GRPC_PORT_CODE || code === 'HPE_INVALID_CONSTANT')
    return (
      "this looks like the control plane's gRPC port (agents use it), not its REST API: point hactl " +
      'at the --listen-http address (port 7080 unless the control plane was started with another)'
    );
  return 'is the control plane running there? Point hactl at it with --server URL or the HACTL_SERVER environment variable.';
}

/** Thrown when local input (spec files, stdin) is unreadable or invalid; nothing was sent. */
export class InputError extends HactlError {
  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super('invalid_input', message, { details });
  }
}
