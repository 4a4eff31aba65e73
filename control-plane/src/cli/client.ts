import type { ErrorDetail } from '@hactl/shared/errors';
import { ApiError, ConnectError, GRPC_PORT_CODE, UsageError, transportErrorCode } from './errors.js';
import { isRecord } from './api-types.js';
import type { CliIo } from './io.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:7080';

/** A single request never hangs the CLI forever; 30 s covers a slow store write on the server. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface Connection {
  /** The first of `servers`. */
  server: string;
  /**
   * Every control plane to try, in order (`--server`/HACTL_SERVER may list the replicas of a
   * replicated control plane, comma-separated): a request goes to the next one only when the
   * previous one could not be reached at all, so it never runs twice.
   */
  servers: string[];
  token?: string;
  /** A PEM file with the control plane's CA (its `<data-dir>/ca.pem`), for https. */
  ca?: string;
}

/** Resolves where to talk to: flag, then env, then the default. Rejects URLs fetch cannot use. */
export function resolveConnection(
  flags: { server?: string; token?: string; ca?: string },
  env: Record<string, string | undefined>,
): Connection {
  const raw = flags.server ?? (env.HACTL_SERVER || undefined) ?? DEFAULT_SERVER;
  const servers = raw.split(',').map((one) => {
    let url: URL;
    try {
      url = new URL(one.trim());
    } catch {
      throw new UsageError(`invalid server URL ${JSON.stringify(one)} (expected e.g. ${DEFAULT_SERVER})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(
        `invalid server URL ${JSON.stringify(one)}: only http:// and https:// are supported`,
      );
    }
    return one.trim().replace(/\/+$/, '');
  });
  const token = flags.token ?? (env.HACTL_TOKEN || undefined);
  const ca = flags.ca ?? (env.HACTL_CA || undefined);
  return {
    server: servers[0]!,
    servers,
    ...(token === undefined ? {} : { token }),
    ...(ca === undefined ? {} : { ca }),
  };
}

/** Error codes of a request that never reached the server: sending it to another one is safe. */
const UNREACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function unreached(err: unknown): boolean {
  return UNREACHED.has(transportErrorCode(err) ?? '');
}

/**
 * Runs `attempt` on each server in turn until one is reached; the last failure is thrown as a
 * ConnectError naming every server tried.
 */
async function firstReached<T>(
  servers: readonly string[],
  attempt: (server: string) => Promise<T>,
): Promise<T> {
  const failures: string[] = [];
  for (const [i, server] of servers.entries()) {
    try {
      return await attempt(server);
    } catch (err) {
      failures.push(`${server}: ${describeFetchFailure(err)}`);
      if (i === servers.length - 1 || !unreached(err))
        throw new ConnectError(
          servers.length > 1 ? servers.slice(0, i + 1).join(', ') : server,
          failures.length > 1 ? failures.join('; ') : describeFetchFailure(err),
          err,
        );
    }
  }
  throw new UsageError('no server to talk to');
}

export interface ApiClient {
  readonly server: string;
  get(path: string): Promise<unknown>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<unknown>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<unknown>;
  delete(path: string, headers?: Record<string, string>): Promise<unknown>;
  /**
   * A streamed NDJSON GET: each line's JSON value as it arrives. Non-2xx becomes an ApiError as
   * for the other calls; a line that is not JSON ends the stream with an ApiError.
   */
  stream(path: string): Promise<ApiStream>;
}

export interface ApiStream {
  headers: Record<string, string | undefined>;
  events: AsyncIterable<unknown>;
  close(): void;
}

/**
 * The waits (ms) before each repeat of a GET the control plane refused with a retriable error
 * (`error.retriable`, else 503 or 429: a store that is busy, a replica between leaders): three
 * more tries within 3.5 s. Only GETs: they change nothing, so asking again is always safe; a write
 * is never repeated on its own (a rollout would start twice), its error says it may be tried again.
 */
export const GET_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000];

/**
 * Runs `attempt`, and again after each of `delaysMs` while it throws an ApiError the server marked
 * retriable; any other error, or the last one, is thrown.
 */
export async function retryRetriable<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[],
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ApiError && err.retriable)) throw err;
      await sleep(delay);
    }
  }
  return attempt();
}

/**
 * Builds the REST client; every non-2xx becomes an ApiError, every transport failure a ConnectError.
 * A GET refused with a retriable error is asked again (GET_RETRY_DELAYS_MS).
 */
export function createApiClient(
  io: Pick<CliIo, 'http' | 'httpStream' | 'sleep'>,
  conn: Connection,
): ApiClient {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<unknown> => {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (conn.token !== undefined) headers.authorization = `Bearer ${conn.token}`;
    const res = await firstReached(conn.servers, (server) =>
      io
        .http({
          method,
          url: `${server}${path}`,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          timeoutMs: REQUEST_TIMEOUT_MS,
          ...(conn.ca ? { caFile: conn.ca } : {}),
        })
        .then(grpcPortAnswer),
    );
    const text = res.body;
    if (res.status < 200 || res.status > 299) throw parseErrorBody(res.status, res.statusText, text);
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(
        res.status,
        'bad_response',
        `the control plane answered HTTP ${res.status} with a body that is not JSON`,
      );
    }
  };
  return {
    server: conn.server,
    get: (path) => retryRetriable(() => call('GET', path), GET_RETRY_DELAYS_MS, io.sleep),
    put: (path, body, headers) => call('PUT', path, body, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    delete: (path, headers) => call('DELETE', path, undefined, headers),
    stream: async (path) => {
      if (!io.httpStream) throw new UsageError('this hactl cannot stream answers');
      const headers: Record<string, string> = { accept: 'application/x-ndjson' };
      if (conn.token !== undefined) headers.authorization = `Bearer ${conn.token}`;
      const httpStream = io.httpStream;
      // A refusal's body is read inside the attempt, so the gRPC-port answer is told apart there,
      // as for a plain request.
      const { answer, refusal } = await firstReached(conn.servers, async (server) => {
        const answer = await httpStream({
          method: 'GET',
          url: `${server}${path}`,
          headers,
          connectTimeoutMs: REQUEST_TIMEOUT_MS,
          ...(conn.ca ? { caFile: conn.ca } : {}),
        });
        if (answer.status >= 200 && answer.status <= 299) return { answer, refusal: undefined };
        let text = '';
        for await (const chunk of answer.body) text += chunk;
        return { answer, refusal: grpcPortAnswer({ status: answer.status, body: text }).body };
      });
      if (refusal !== undefined) throw parseErrorBody(answer.status, answer.statusText, refusal);
      return {
        headers: answer.headers,
        events: ndjsonEvents(answer.body, answer.status),
        close: answer.close,
      };
    },
  };
}

/** Splits a text stream into lines and parses each as JSON. */
async function* ndjsonEvents(body: AsyncIterable<string>, status: number): AsyncIterable<unknown> {
  let rest = '';
  for await (const chunk of body) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch {
        throw new ApiError(status, 'bad_response', 'the control plane streamed a line that is not JSON');
      }
    }
  }
}

/**
 * Turns a transport failure into its reason: node:http puts the errno code on the error itself,
 * fetch (undici) wraps it as "fetch failed" with the reason in `cause`.
 */
export function describeFetchFailure(err: unknown): string {
  if (isRecord(err) && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  }
  const cause = err instanceof Error ? (err.cause ?? err) : undefined;
  switch (transportErrorCode(err)) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'HPE_INVALID_CONSTANT':
      return 'its answer is not HTTP/1.1';
    default:
      if (cause instanceof Error && cause.message) return cause.message;
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * `res`, unless it is Node's http2 core refusing an HTTP/1.1 request (403 "Missing ALPN
 * Protocol"): hactl was pointed at the control plane's gRPC port over TLS. Thrown as a transport
 * failure with GRPC_PORT_CODE, so the error names the server and connectHint says what to do.
 */
function grpcPortAnswer<T extends { status: number; body: string }>(res: T): T {
  if (res.status === 403 && res.body.includes('Missing ALPN Protocol'))
    throw Object.assign(new Error('it answers HTTP/2 only'), { code: GRPC_PORT_CODE });
  return res;
}

function parseErrorBody(status: number, statusText: string, text: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const e = isRecord(body) ? body.error : undefined;
  if (isRecord(e) && typeof e.message === 'string') {
    const details: ErrorDetail[] = Array.isArray(e.details)
      ? e.details
          .filter(isRecord)
          .map((d) => ({ path: typeof d.path === 'string' ? d.path : '', message: String(d.message ?? '') }))
      : [];
    const retriable = typeof e.retriable === 'boolean' ? e.retriable : undefined;
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : 'unknown',
      e.message,
      details,
      retriable,
    );
  }
  // Not our error shape (a proxy in between, or a crash page): show the status and a bit of the body.
  const snippet = text.trim().slice(0, 200);
  const label = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return new ApiError(
    status,
    'unknown',
    snippet ? `the control plane answered ${label}: ${snippet}` : `the control plane answered ${label}`,
  );
}
