import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto, { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import {
  agentServiceClient,
  type AgentMessage,
  type ControlMessage__Output,
  type EnrollResponse__Output,
} from '@hactl/proto';
import { nullLogger } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../server.js';
import { testConfig } from '../config.js';
import { ALG, MAX_CSR_BYTES, createCa } from '../trust/x509.js';

/**
 * Enrollment and mTLS on the real gRPC server with TLS (issue 12): tokens, CSRs, identities,
 * revocation. Each refusal is checked to change nothing (no identity stored, no token use taken).
 */
let dir: string;
let cp: RunningControlPlane;
let caPem: Buffer;
let clock = Date.now();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-enroll-'));
  cp = await startControlPlane(
    { ...testConfig(dir), insecure: false, helloTimeoutMs: 2000 },
    nullLogger,
    () => clock,
  );
  caPem = fs.readFileSync(path.join(dir, 'ca.pem'));
});
afterAll(async () => {
  await cp?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Key {
  pem: string;
  keys: webcrypto.CryptoKeyPair;
}
async function newKey(): Promise<Key> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = crypto
    .createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' }) as string;
  return { pem, keys };
}
async function csrFor(key: Key, name: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys: key.keys as never,
    signingAlgorithm: ALG,
  });
  return csr.toString('pem');
}

type Client = grpc.Client & {
  Enroll(
    req: unknown,
    opts: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, r?: EnrollResponse__Output) => void,
  ): void;
  Connect(): grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
};
function client(key?: Key, cert?: string): Client {
  const Ctor = agentServiceClient();
  const creds =
    key && cert
      ? grpc.credentials.createSsl(caPem, Buffer.from(key.pem), Buffer.from(cert))
      : grpc.credentials.createSsl(caPem);
  return new Ctor(`127.0.0.1:${cp.grpcPort}`, creds) as unknown as Client;
}
function enroll(
  c: Client,
  req: { token: string; csrPem: string; name: string },
): Promise<{ err: grpc.ServiceError | null; cert?: string }> {
  return new Promise((resolve) =>
    c.Enroll({ ...req, csrPem: Buffer.from(req.csrPem) }, { deadline: Date.now() + 10_000 }, (err, r) =>
      resolve({ err, ...(r ? { cert: r.certificatePem.toString() } : {}) }),
    ),
  );
}
const hello = (name: string): AgentMessage => ({
  hello: {
    name,
    address: '127.0.0.60',
    agentVersion: 't',
    facts: { dataRoot: '/var/lib/hactl', labels: {} },
  },
});
/** Opens Connect, says hello as `name`; resolves with the first message or the final status. */
function connectAs(
  c: Client,
  name: string,
): Promise<{
  welcome: boolean;
  status?: grpc.StatusObject;
  stream: grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
}> {
  const stream = c.Connect();
  return new Promise((resolve) => {
    stream.on('data', (m: ControlMessage__Output) => {
      if (m.body === 'welcome') resolve({ welcome: true, stream });
    });
    stream.on('status', (status: grpc.StatusObject) => resolve({ welcome: false, status, stream }));
    stream.on('error', () => {});
    stream.write(hello(name));
  });
}
const joinToken = (o: { ttlMs?: number; uses?: number; hosts?: string } = {}) =>
  cp.trust.createJoinToken({
    ttlMs: o.ttlMs ?? 3_600_000,
    uses: o.uses ?? 1,
    hosts: o.hosts ?? '*',
    createdBy: 'test',
  }).token;

describe('enrollment and mTLS (issue 12)', () => {
  it('token + CSR → a client certificate for CN=<name> from our CA; with it Connect is welcomed; without one the same hello gets UNAUTHENTICATED', async () => {
    const key = await newKey();
    const c = client();
    const r = await enroll(c, {
      token: joinToken({ hosts: 'web*' }),
      csrPem: await csrFor(key, 'web1'),
      name: 'web1',
    });
    expect(r.err).toBeNull();
    const cert = new crypto.X509Certificate(r.cert!);
    expect(cert.subject.trim()).toBe('CN=web1');
    expect(cert.verify(new crypto.X509Certificate(caPem).publicKey)).toBe(true);
    const anon = await connectAs(c, 'web1');
    expect(anon.welcome).toBe(false);
    expect(anon.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    c.close();
    const m = client(key, r.cert);
    const ok = await connectAs(m, 'web1');
    expect(ok.welcome).toBe(true);
    ok.stream.end();
    // Claiming another host's name with web1's certificate is refused.
    const other = await connectAs(m, 'web2');
    expect(other.status?.code).toBe(grpc.status.PERMISSION_DENIED);
    m.close();
  });

  it.each([
    ['unknown token', () => 'hjt_nope', 'h-a', /unknown enrollment token/],
    ['expired token', () => joinToken({ ttlMs: 1000 }), 'h-b', /expired/],
    ['token for other names', () => joinToken({ hosts: 'kafka*' }), 'h-c', /does not allow host h-c/],
  ])('%s → UNAUTHENTICATED with the reason; no identity stored', async (_n, token, name, why) => {
    const t = token();
    if (_n === 'expired token') clock += 2000;
    const c = client();
    const r = await enroll(c, { token: t, csrPem: await csrFor(await newKey(), name), name });
    expect(r.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.err?.details).toMatch(why);
    expect(cp.trust.isEnrolled(name)).toBe(false);
    c.close();
  });

  it('a used-up token → UNAUTHENTICATED for the second host', async () => {
    const t = joinToken({ uses: 1 });
    const c = client();
    expect(
      (await enroll(c, { token: t, csrPem: await csrFor(await newKey(), 'u1'), name: 'u1' })).err,
    ).toBeNull();
    const second = await enroll(c, { token: t, csrPem: await csrFor(await newKey(), 'u2'), name: 'u2' });
    expect(second.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(second.err?.details).toMatch(/no uses left/);
    c.close();
  });

  it.each([
    ['not PEM', async () => 'hello', /not a PEM/],
    [
      'oversized',
      async () =>
        `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(MAX_CSR_BYTES)}\n-----END CERTIFICATE REQUEST-----\n`,
      /larger than/,
    ],
    [
      'mis-signed (public key swapped)',
      async () => {
        const a = new x509.Pkcs10CertificateRequest(await csrFor(await newKey(), 'bad1'));
        const b = new x509.Pkcs10CertificateRequest(await csrFor(await newKey(), 'bad1'));
        // Splice b's public key into a's signed request: the signature no longer matches the key.
        const ra = Buffer.from(a.rawData);
        const ka = Buffer.from(a.publicKey.rawData);
        const kb = Buffer.from(b.publicKey.rawData);
        const i = ra.indexOf(ka);
        kb.copy(ra, i);
        return `-----BEGIN CERTIFICATE REQUEST-----\n${ra.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
      },
      /signature does not match/,
    ],
    [
      'naming another host',
      async () => csrFor(await newKey(), 'other'),
      /names host other but the request is for bad1/,
    ],
  ])('CSR %s → INVALID_ARGUMENT naming csr_pem; the token keeps its use', async (_n, make, why) => {
    const t = joinToken({ uses: 1 });
    const c = client();
    const r = await enroll(c, { token: t, csrPem: await make(), name: 'bad1' });
    expect(cp.fleet.listHosts().some((h) => h.name === 'bad1')).toBe(false);
    expect(r.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.err?.details).toMatch(why);
    // The token is still good: a correct request with it succeeds (for another name, as bad1 may be
    // enrolled by an earlier case of this table).
    const fresh = `ok${crypto.randomBytes(4).toString('hex')}`;
    expect(
      (await enroll(c, { token: t, csrPem: await csrFor(await newKey(), fresh), name: fresh })).err,
    ).toBeNull();
    c.close();
  });

  it('impersonation: another key for an enrolled name → PERMISSION_DENIED, even with a valid token', async () => {
    const c = client();
    expect(
      (await enroll(c, { token: joinToken(), csrPem: await csrFor(await newKey(), 'imp'), name: 'imp' })).err,
    ).toBeNull();
    const r = await enroll(c, {
      token: joinToken(),
      csrPem: await csrFor(await newKey(), 'imp'),
      name: 'imp',
    });
    expect(r.err?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(r.err?.details).toMatch(/enrolled with another key/);
    c.close();
  });

  it('renewal over mTLS without a token → a new certificate for the same key; without a certificate → UNAUTHENTICATED', async () => {
    const key = await newKey();
    const csr = await csrFor(key, 'ren');
    const first = await enroll(client(), { token: joinToken(), csrPem: csr, name: 'ren' });
    const m = client(key, first.cert);
    const renewed = await enroll(m, { token: '', csrPem: csr, name: 'ren' });
    expect(renewed.err).toBeNull();
    expect(renewed.cert).not.toBe(first.cert);
    const anon = await enroll(client(), { token: '', csrPem: csr, name: 'ren' });
    expect(anon.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    m.close();
  });

  it('a certificate from another CA → UNAUTHENTICATED on Connect', async () => {
    const foreign = await createCa(clock, 'foreign');
    const key = await newKey();
    const csr = new x509.Pkcs10CertificateRequest(await csrFor(key, 'web1'));
    const fcert = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: 'CN=web1',
      issuer: new x509.X509Certificate(foreign.certPem).subject,
      notBefore: new Date(clock - 60_000),
      notAfter: new Date(clock + 3_600_000),
      signingKey: await webcrypto.subtle.importKey(
        'pkcs8',
        crypto.createPrivateKey(foreign.keyPem).export({ format: 'der', type: 'pkcs8' }),
        ALG,
        false,
        ['sign'],
      ),
      publicKey: csr.publicKey,
      signingAlgorithm: ALG,
    });
    const c = client(key, fcert.toString('pem'));
    const r = await connectAs(c, 'web1');
    expect(r.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    c.close();
  });

  it('deleting a host ends its stream and revokes its certificate: the reconnect is refused', async () => {
    const key = await newKey();
    const r = await enroll(client(), { token: joinToken(), csrPem: await csrFor(key, 'gone'), name: 'gone' });
    const m = client(key, r.cert);
    const live = await connectAs(m, 'gone');
    expect(live.welcome).toBe(true);
    const ended = new Promise<void>((resolve) => live.stream.on('end', () => resolve()));
    live.stream.resume();
    cp.fleet.deleteHost('gone', { author: 'test' });
    cp.trust.revokeHost('gone');
    await ended;
    const again = await connectAs(m, 'gone');
    expect(again.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    m.close();
  });
});
