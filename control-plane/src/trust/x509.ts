/**
 * X.509 for hactl's own CA: the CA, the control plane's server certificate, agent client
 * certificates signed from agents' CSRs, and CSR checks.
 *
 * Library: @peculiar/x509. Node's crypto parses and verifies certificates but cannot create
 * certificates or CSRs; @peculiar/x509 builds both on WebCrypto (so keys are native ECDSA P-256,
 * generated and signed by OpenSSL, not by JavaScript bignum code as in node-forge, which also has no
 * EC certificates), is typed, and is maintained with the PKI.js family. It needs the reflect-metadata
 * polyfill, imported here once.
 */
import 'reflect-metadata';
import crypto, { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ValidationError } from '@hactl/shared';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;

/** ECDSA P-256 with SHA-256 for every key and signature hactl makes. */
export const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A CSR larger than this is refused before parsing (a P-256 CSR is about 400 bytes in PEM). */
export const MAX_CSR_BYTES = 8 * 1024;

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  certPem: string;
  keyPem: string;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = crypto.createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

/** PEM text ending in a newline, so that PEMs can be concatenated into a chain. */
function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A random positive serial number, hex (RFC 5280 §4.1.2.2: up to 20 octets, positive). */
export function newSerial(): string {
  const b = crypto.randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

/** A new self-signed CA valid for 10 years from `now` (ms since the epoch). */
export async function createCa(now: number, commonName: string): Promise<KeyPair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * 365 * 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * The control plane's TLS server certificate for `names` (DNS names and IP addresses; at least
 * one), valid one year, signed by `ca`.
 */
export async function issueServerCert(ca: KeyPair, names: readonly string[], now: number): Promise<KeyPair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: 'CN=hactl-control-plane',
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingKey: await importKeyPem(ca.keyPem),
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIp(n) ? { type: 'ip', value: n } : { type: 'dns', value: n })),
      ),
    ],
  });
  return { certPem: withNewline(cert.toString('pem')), keyPem: await exportKeyPem(keys.privateKey) };
}

function isIp(s: string): boolean {
  return /^[0-9.]+$/.test(s) || s.includes(':');
}

/** What a verified CSR says: the host name it asks for and its public key. */
export interface CheckedCsr {
  name: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex: the host's key identity. */
  keySha256: string;
  csr: x509.Pkcs10CertificateRequest;
}

/**
 * Parses and verifies a PEM CSR: size, form, self-signature (proof the sender holds the key),
 * ECDSA P-256 key, and a subject that is exactly `CN=<name>`.
 * @throws ValidationError on field `csr_pem` for anything else.
 */
export async function checkCsr(pem: string): Promise<CheckedCsr> {
  const bad = (message: string) => new ValidationError('invalid CSR', [{ path: 'csr_pem', message }]);
  if (Buffer.byteLength(pem) > MAX_CSR_BYTES) throw bad(`larger than ${MAX_CSR_BYTES} bytes`);
  if (
    !/^-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\s*$/.test(
      pem,
    )
  )
    throw bad('not a PEM "CERTIFICATE REQUEST"');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw bad(`cannot be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const alg = csr.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256') throw bad('the key must be ECDSA P-256');
  let signed = false;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) throw bad('the signature does not match its public key');
  const m = /^CN=([A-Za-z0-9.-]{1,253})$/.exec(csr.subject);
  if (!m) throw bad(`the subject must be CN=<host name>, got ${JSON.stringify(csr.subject.slice(0, 100))}`);
  const keySha256 = crypto.createHash('sha256').update(Buffer.from(csr.publicKey.rawData)).digest('hex');
  return { name: m[1]!, keySha256, csr };
}

/** An agent's client certificate for a checked CSR, valid `ttlMs` from `now`. */
export async function issueClientCert(
  ca: KeyPair,
  csr: CheckedCsr,
  serial: string,
  now: number,
  ttlMs: number,
): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${csr.name}`,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + ttlMs),
    signingKey: await importKeyPem(ca.keyPem),
    publicKey: csr.csr.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return withNewline(cert.toString('pem'));
}

/** SHA-256 of a certificate's DER, lower-case hex without colons (what `--ca-sha256` takes). */
export function certSha256(pem: string): string {
  return new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

/** SHA-256 of a DER SubjectPublicKeyInfo, hex: the key identity of a peer certificate. */
export function publicKeySha256(spkiDer: Buffer): string {
  return crypto.createHash('sha256').update(spkiDer).digest('hex');
}
