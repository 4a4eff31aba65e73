import { describe, expect, it } from 'vitest';
import { checkHostKey, checkJoinToken, grants, hostMatches, parseScopes, requiredScope } from './policy.js';

describe('trust policy', () => {
  it.each([
    ['GET', '/healthz', null],
    ['GET', '/install.sh', null],
    ['GET', '/agent-bundle.tar.gz', null],
    ['GET', '/v1/clusters', 'read'],
    ['PUT', '/v1/clusters/zk', 'write'],
    ['DELETE', '/v1/hosts/zk1', 'write'],
    ['POST', '/v1/tokens', 'admin'],
    ['POST', '/v1/install-command', 'admin'],
    ['POST', '/v1/clusters/zk/members/zk1/exec', 'exec'],
  ] as const)('%s %s needs %s', (method, path, scope) => {
    expect(requiredScope(method, path)).toBe(scope);
  });

  it('admin grants all; write and exec grant read; read grants only read', () => {
    expect(grants(['admin'], 'exec')).toBe(true);
    expect(grants(['write'], 'read')).toBe(true);
    expect(grants(['exec'], 'read')).toBe(true);
    expect(grants(['read'], 'write')).toBe(false);
    expect(grants(['write'], 'admin')).toBe(false);
    expect(parseScopes('read, bogus,write')).toEqual({ scopes: ['read', 'write'], unknown: ['bogus'] });
  });

  it.each([
    ['*', 'anything.example', true],
    ['kafka*', 'kafka12', true],
    ['kafka*', 'zk1', false],
    ['zk1', 'zk10', false],
    ['a.b', 'axb', false],
  ])('pattern %s vs %s → %s', (p, n, ok) => {
    expect(hostMatches(p, n)).toBe(ok);
  });

  it('join token: unknown, expired, used up, other names → a reason; otherwise null', () => {
    const t = { hosts: 'kafka*', usesLeft: 1, expiresAt: 1000 };
    expect(checkJoinToken(undefined, 'kafka1', 0)).toMatch(/unknown/);
    expect(checkJoinToken(t, 'kafka1', 1000)).toMatch(/expired/);
    expect(checkJoinToken({ ...t, usesLeft: 0 }, 'kafka1', 0)).toMatch(/no uses left/);
    expect(checkJoinToken(t, 'zk1', 0)).toMatch(/does not allow host zk1/);
    expect(checkJoinToken(t, 'kafka1', 999)).toBeNull();
  });

  it('host key: first enrollment or the same key → null; another key → impersonation', () => {
    expect(checkHostKey(undefined, 'k1', 'h')).toBeNull();
    expect(checkHostKey('k1', 'k1', 'h')).toBeNull();
    expect(checkHostKey('k1', 'k2', 'h')).toMatch(/enrolled with another key/);
  });
});
