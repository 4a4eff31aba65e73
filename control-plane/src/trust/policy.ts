/**
 * The trust decisions, pure: which scope a REST call needs, whether a token grants it, and whether
 * a join token may enroll a host now. Time is passed in; nothing here reads a clock or a store.
 */

/** Admin API token scopes. `admin` grants everything; `write` and `exec` also grant `read`. */
export const SCOPES = ['read', 'write', 'exec', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Paths anyone may call (and the console's files under /ui/): liveness, and the install script and
 * bundle (their trust is the CA fingerprint in the one-liner and the bundle's SHA-256 in the script).
 */
const PUBLIC = new Set(['/healthz', '/install.sh', '/agent-bundle.tar.gz']);

/**
 * The scope a REST call needs, or null for a public path. Token and install-command management is
 * `admin`; calls that run commands on hosts are `exec`; other mutating methods `write`; reads `read`.
 */
export function requiredScope(method: string, path: string): Scope | null {
  if (PUBLIC.has(path)) return null;
  // The console's static files (api/ui-routes.ts): the page holds no data and asks for a token.
  if ((method === 'GET' || method === 'HEAD') && (path === '/ui' || path.startsWith('/ui/'))) return null;
  if (path === '/v1/tokens' || path.startsWith('/v1/tokens/') || path === '/v1/install-command')
    return 'admin';
  // Remote commands: starting, reading (output may hold anything a command printed) and cancelling.
  if (path.endsWith('/exec') || path === '/v1/commands' || path.startsWith('/v1/commands/')) return 'exec';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  return 'write';
}

/** Whether `granted` scopes allow `needed`. */
export function grants(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes('admin') || granted.includes(needed)) return true;
  return needed === 'read' && (granted.includes('write') || granted.includes('exec'));
}

/** Parses a comma-separated scope list; returns the unknown entries as problems. */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const scopes: Scope[] = [];
  const unknown: string[] = [];
  for (const s of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if ((SCOPES as readonly string[]).includes(s)) scopes.push(s as Scope);
    else unknown.push(s);
  }
  return { scopes, unknown };
}

/** Host name patterns a join token allows: host-name characters and `*` (any run of them). */
export const HOST_PATTERN_RE = /^[A-Za-z0-9.*-]{1,253}$/;

/** Whether `name` matches a `*` glob `pattern` (checked with HOST_PATTERN_RE before storing). */
export function hostMatches(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.-]/g, '\\$&'))
      .join('[A-Za-z0-9.-]*')}$`,
  );
  return re.test(name);
}

/** A join token as the enrollment decision needs it (times in ms since the epoch). */
export interface JoinTokenState {
  hosts: string;
  usesLeft: number;
  expiresAt: number;
}

/** Why a join token may not enroll `name` now, or null when it may. */
export function checkJoinToken(t: JoinTokenState | undefined, name: string, now: number): string | null {
  if (!t) return 'unknown enrollment token';
  if (now >= t.expiresAt) return `the enrollment token expired at ${new Date(t.expiresAt).toISOString()}`;
  if (t.usesLeft <= 0) return 'the enrollment token has no uses left';
  if (!hostMatches(t.hosts, name))
    return `the enrollment token does not allow host ${name} (allows ${t.hosts})`;
  return null;
}

/**
 * Whether a host may receive a certificate for a key: its first enrollment, or the key it enrolled
 * with (a re-run install keeps its key). Another key for an enrolled name is an impersonation.
 */
export function checkHostKey(
  enrolledKey: string | undefined,
  keySha256: string,
  name: string,
): string | null {
  if (enrolledKey === undefined || enrolledKey === keySha256) return null;
  return `host ${name} is enrolled with another key; delete the host (hactl delete host ${name}) before enrolling a new one`;
}
