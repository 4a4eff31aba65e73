import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { AgentIdentity } from './identity.js';

/**
 * The agent's identity files before enrollment (no control plane needed: without a token the load
 * stops after making the key and CSR, saying why). Enrollment itself runs against the real server in
 * control-plane/src/agent-rpc/enroll.test.ts and test/e2e/trust.test.ts.
 */
let dir: string;
const CA = path.resolve('control-plane/src/trust/testdata/test-ca.pem');
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-identity-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const load = (stateDir: string, first: { token?: string; caFile?: string; caSha256?: string }) =>
  AgentIdentity.load({
    stateDir,
    servers: ['127.0.0.1:1'],
    name: 'zk1',
    first: { token: first.token, caFile: first.caFile, caSha256: first.caSha256 },
    logger: nullLogger,
    now: Date.now,
  });

describe('agent identity files', () => {
  it('no CA → refused, saying which flags give one', async () => {
    await expect(load(path.join(dir, 's'), {})).rejects.toThrow(/--ca-sha256 FP or --ca-file PATH/);
  });

  it('key made on the host (0600 in tls/ 0700), CSR for CN=zk1, state dir left open for data roots below it; no token → refused; a second load keeps the key', async () => {
    const state = path.join(dir, 's');
    await expect(load(state, { caFile: CA })).rejects.toThrow(/not enrolled yet\): pass --token/);
    expect(fs.statSync(state).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(fs.statSync(path.join(state, 'tls')).mode & 0o777).toBe(0o700);
    const keyFile = path.join(state, 'tls', 'agent.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(keyFile, 'utf8');
    expect(crypto.createPrivateKey(key).asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(fs.readFileSync(path.join(state, 'tls', 'agent.csr'), 'utf8')).toMatch(
      /^-----BEGIN CERTIFICATE REQUEST-----/,
    );
    await expect(load(state, { caFile: CA })).rejects.toThrow(/not enrolled yet/);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(key);
  });
});
