/**
 * The console's REST client: the control plane's own response types (contract.ts, types only,
 * nothing of the server is bundled) and a bearer-token fetch. The token is asked for once and kept
 * in this tab's session storage: it is never a cookie, so no other site can make the browser use it.
 */
import type { ErrorBody } from '../../control-plane/src/api/contract.js';

export type {
  ClusterSummary,
  ClusterView,
  EventView,
  FailoverView,
  HostView,
  MemberStatus,
  RolloutView,
  StatusChange,
  WhoAmIView,
} from '../../control-plane/src/api/contract.js';

const TOKEN_KEY = 'hactl.token';

/** The token this tab logged in with, if any. */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or, with null, forgets) the tab's token. */
export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An error answer of the API, with its HTTP status and error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const e = (json as Partial<ErrorBody>).error;
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `${method} ${path}: HTTP ${res.status}`);
  }
  return json as T;
}

/** GET a JSON resource. */
export const getJson = <T>(token: string, path: string): Promise<T> => call<T>(token, 'GET', path);

/** POST a JSON body (the API refuses bodies that are not JSON). */
export const postJson = <T>(token: string, path: string, body: unknown = {}): Promise<T> =>
  call<T>(token, 'POST', path, body);

/** `/v1/clusters/{name}` and friends, with the name encoded. */
export const clusterPath = (name: string, rest = ''): string =>
  `/v1/clusters/${encodeURIComponent(name)}${rest}`;
