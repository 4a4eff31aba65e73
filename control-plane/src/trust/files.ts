import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCa, issueServerCert, certSha256, type KeyPair } from './x509.js';
import { isWildcardHost } from '@hactl/shared';
import type { Store } from '../store/store.js';

/**
 * Writes `text` to `file` with `mode` atomically: a temp file in the same directory, fsync, rename,
 * fsync of the directory (as agent/src/files/atomic.ts does), so a crash leaves the old file or the
 * new one, never a torn key. The temp file is created with `mode`, so a secret is never readable by
 * others, not even for an instant.
 */
export function writeFileAtomicSync(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

/** The control plane's TLS material, loaded from or created in its data dir. */
export interface TrustMaterial {
  ca: KeyPair;
  /** SHA-256 of the CA certificate, hex: the fingerprint `--ca-sha256` and install commands carry. */
  caSha256: string;
  server: KeyPair;
  /** The DNS names and IPs the server certificate is valid for. */
  serverNames: string[];
}

/**
 * The names the server certificate carries: `localhost`, the machine's host name, every address on
 * its interfaces, the listen hosts when they are specific, and `extra` (`--tls-name`). Agents and
 * the CLI verify the name they dial against these.
 */
export function serverNames(listenHosts: readonly string[], extra: readonly string[]): string[] {
  const names = new Set<string>(['localhost', os.hostname()]);
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (!a.address.startsWith('fe80')) names.add(a.address);
  for (const h of listenHosts) if (!isWildcardHost(h)) names.add(h);
  for (const e of extra) names.add(e);
  return [...names].sort();
}

/**
 * Loads `<dataDir>/ca.pem` and `ca.key`, creating the CA at first start (key mode 0600), and issues
 * a fresh server certificate for `names` (cheap with P-256, and it follows address changes).
 */
export async function loadOrCreateTrust(
  dataDir: string,
  names: string[],
  now: number,
): Promise<TrustMaterial> {
  const certFile = path.join(dataDir, 'ca.pem');
  const keyFile = path.join(dataDir, 'ca.key');
  let ca: KeyPair;
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
    ca = { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
  } else {
    ca = await createCa(now, `hactl CA ${os.hostname()}`);
    // Key first: a crash between the two leaves no ca.pem without its key.
    writeFileAtomicSync(keyFile, ca.keyPem, 0o600);
    writeFileAtomicSync(certFile, ca.certPem, 0o644);
  }
  const server = await issueServerCert(ca, names, now);
  return { ca, caSha256: certSha256(ca.certPem), server, serverNames: names };
}

/** The store key of the replicas' shared CA (certificate and key, JSON). */
const SHARED_CA_KEY = 'ca_key_pair';

/**
 * The TLS material of a control-plane replica on a shared store: the CA lives in the store, so
 * every replica signs agent certificates with the same key and agents trust any replica; the first
 * replica to start creates it (Store.ensureMeta: first writer wins). Each replica issues its own
 * server certificate for its own `names`, and writes `<dataDir>/ca.pem` (certificate only) for the
 * CLI and install commands.
 */
export async function loadOrCreateSharedTrust(
  store: Pick<Store, 'getMeta' | 'ensureMeta'>,
  dataDir: string,
  names: string[],
  now: number,
): Promise<TrustMaterial> {
  let stored = store.getMeta(SHARED_CA_KEY);
  if (stored === undefined) {
    const fresh = await createCa(now, `hactl CA ${os.hostname()}`);
    stored = store.ensureMeta(SHARED_CA_KEY, () => JSON.stringify(fresh));
  }
  const ca = JSON.parse(stored) as KeyPair;
  writeFileAtomicSync(path.join(dataDir, 'ca.pem'), ca.certPem, 0o644);
  const server = await issueServerCert(ca, names, now);
  return { ca, caSha256: certSha256(ca.certPem), server, serverNames: names };
}
