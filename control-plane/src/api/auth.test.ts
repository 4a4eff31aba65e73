import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { createApp } from './app.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { createTestCore } from '../test-core.js';
import { testTrust } from '../trust/testing.js';
import type { TrustService } from '../trust/service.js';

/**
 * Every route the app has (taken from the router itself, so a new route cannot be forgotten) refuses
 * a call without a token (401) and one with too few scopes (403), in the usual error shape; mutating
 * calls, refused or not, leave audit events with the token's name.
 */
let dir: string;
let store: SqliteStore;
let app: ReturnType<typeof createApp>;
let trust: TrustService;
let admin: string;
/** Public paths; the console's static files under /ui are public too (the page asks for a token). */
const PUBLIC = new Set(['/healthz', '/install.sh', '/agent-bundle.tar.gz', '/ui', '/ui/*']);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-auth-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  const core = createTestCore(store);
  ({ trust, adminToken: admin } = testTrust(store, () => 1_800_000_000_000));
  fs.writeFileSync(path.join(dir, 'bundle.tgz'), 'bundle');
  app = createApp({
    fleet: core.fleet,
    rollouts: core.rollouts,
    failovers: core.failovers,
    logger: nullLogger,
    trust,
    install: {
      installScript: path.resolve('deploy/install.sh'),
      agentBundle: path.join(dir, 'bundle.tgz'),
      advertise: { host: '10.0.0.1', httpPort: () => 7080, grpcPort: () => 7443 },
    },
  });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const routes = () =>
  [
    ...new Map(
      app.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, r]),
    ).values(),
  ].map((r) => ({
    method: r.method,
    path: r.path
      .replace(/:name/g, 'zk-main')
      .replace(/:member/g, 'zk1')
      .replace(/:id/g, 'abc123')
      .replace(/:verb/g, 'pause')
      .replace(/:revision/g, '1'),
  }));
const call = (method: string, p: string, token?: string) =>
  app.request(p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });

describe('REST authentication and scopes (issue 12)', () => {
  it('the router has the routes this test walks (a new route joins the table by itself)', () => {
    expect(routes().length).toBeGreaterThan(15);
  });

  it('every non-public endpoint without a token → 401 unauthenticated in the error shape', async () => {
    for (const r of routes()) {
      if (PUBLIC.has(r.path)) continue;
      const res = await call(r.method, r.path);
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 401,
      });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
  });

  it('an unknown token → 401; a read token on every mutating endpoint → 403 naming the scope it needs', async () => {
    expect((await call('GET', '/v1/hosts', 'hactl_not-a-real-token')).status).toBe(401);
    const read = trust.createApiToken('reader', ['read']);
    for (const r of routes()) {
      if (PUBLIC.has(r.path) || r.method === 'GET') continue;
      const res = await call(r.method, r.path, read);
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 403,
      });
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /needs (write|exec|admin)/,
      );
    }
    // A write token may change clusters but not make tokens.
    const write = trust.createApiToken('writer', ['write']);
    expect((await call('POST', '/v1/tokens', write)).status).toBe(403);
    expect((await call('GET', '/v1/hosts', write)).status).toBe(200);
  });

  it('mutating calls are audit events with the token name, the call and the status; refusals too', async () => {
    const read = trust.createApiToken('reader', ['read']);
    await call('DELETE', '/v1/clusters/zk-main', read);
    await call('POST', '/v1/tokens');
    const made = await call('POST', '/v1/tokens', admin);
    expect(made.status).toBe(201);
    const events = store
      .listEvents({ limit: 100 })
      .filter((e) => e.type === 'audit')
      .map((e) => e.message);
    expect(events).toEqual(
      expect.arrayContaining([
        'reader: DELETE /v1/clusters/zk-main → 403',
        'anonymous: POST /v1/tokens → 401',
        'admin: POST /v1/tokens → 201',
      ]),
    );
  });

  it('install.sh is public and carries the bundle SHA-256; install-command makes a single-use token for that name in a one-liner without -k', async () => {
    const script = await (await app.request('/install.sh')).text();
    expect(script).toMatch(/BUNDLE_SHA256='[0-9a-f]{64}'/);
    const res = await app.request('/v1/install-command', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ name: 'kafka1', address: '10.0.0.21', labels: { rack: 'r1' } }),
    });
    expect(res.status).toBe(201);
    const { command } = (await res.json()) as { command: string };
    expect(command).toMatch(
      /curl -fsS --cacert "\$d\/ca.pem" https:\/\/10\.0\.0\.1:7080\/install\.sh \| sh -s -- /,
    );
    expect(command).toMatch(
      /--token hjt_[A-Za-z0-9_-]+ --name kafka1 --address 10\.0\.0\.21 --label rack=r1'$/,
    );
    expect(command).not.toMatch(/ -k | --insecure/);
    const bad = await app.request('/v1/install-command', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ name: 'kafka1;rm', address: '10.0.0.21 && x', labels: { 'a b': 'c' } }),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path),
    ).toEqual(['name', 'address', 'labels.a b']);
  });
});
