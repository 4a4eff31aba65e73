import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyZkMain, startRealControlPlane, type RealControlPlane } from './real-cp.js';

/** hactl token create / delete host against the real control plane in-process (issue 12). */
let cp: RealControlPlane;
beforeEach(() => {
  cp = startRealControlPlane();
});
afterEach(() => cp.close());

describe('hactl token and host commands', () => {
  it('token create prints only the token on stdout; the control plane stored a join token with those limits', async () => {
    const r = await cp.hactl('token', 'create', '--ttl', '30m', '--uses', '3', '--hosts', 'kafka*');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^hjt_[A-Za-z0-9_-]{43}\n$/);
    expect(r.err).toMatch(
      /^join token for hosts kafka\*, 3 use\(s\), expires .*; CA SHA-256 [0-9a-f]{64}\n$/,
    );
  });

  it('token create --api makes a scoped API token that the API accepts for reads and refuses for writes', async () => {
    const r = await cp.hactl('token', 'create', '--api', 'ci', '--scopes', 'read');
    expect(r.code, r.err).toBe(0);
    const token = r.out.trim();
    expect((await cp.hactl('--token', token, 'get', 'hosts')).code).toBe(0);
    const w = await cp.hactl('--token', token, 'token', 'create');
    expect(w.code).not.toBe(0);
    expect(w.err).toMatch(/token ci has scopes \[read\]; POST \/v1\/tokens needs admin/);
  });

  it('without a token → the 401 message says where the first admin token is', async () => {
    const r = await cp.hactl('--token', 'hactl_wrong', 'get', 'hosts');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown API token/);
  });

  it('delete host: without --yes explains and exits 2; with --yes the host is gone and its session closed', async () => {
    cp.connect('old1', '127.0.0.41');
    const dry = await cp.hactl('delete', 'host', 'old1');
    expect(dry.code).toBe(2);
    expect(dry.err).toMatch(/^host\/old1: deleting it disconnects its agent and revokes its certificate/);
    expect(cp.core.fleet.listHosts().map((h) => h.name)).toContain('old1');
    const r = await cp.hactl('delete', 'host', 'old1', '--yes');
    expect(r.code, r.err).toBe(0);
    expect(cp.core.fleet.listHosts().map((h) => h.name)).not.toContain('old1');
    expect((await cp.hactl('delete', 'host', 'old1', '--yes')).err).toMatch(/host old1 not found/);
  });

  it('delete host: the preview of a host a cluster uses says the delete would be refused, naming the cluster, as the delete does', async () => {
    await applyZkMain(cp);
    const preview = await cp.hactl('delete', 'host', 'zk2');
    expect(preview.code).toBe(1);
    expect(preview.err).toBe(
      'host/zk2: the delete would be refused: host zk2 runs members of zk-main; move them off it in the cluster specs first\n',
    );
    const real = await cp.hactl('delete', 'host', 'zk2', '--yes');
    expect(real.code).toBe(1);
    expect(real.err).toContain(
      'host zk2 runs members of zk-main; move them off it in the cluster specs first',
    );
    expect(cp.core.fleet.listHosts().map((h) => h.name)).toContain('zk2');
  });
});
