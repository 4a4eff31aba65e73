import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HactlError, ValidationError } from '@hactl/shared';
import type { Store } from '../store/store.js';
import { writeFileAtomicSync, type TrustMaterial } from './files.js';
import { HOST_PATTERN_RE, checkHostKey, checkJoinToken, parseScopes, type Scope } from './policy.js';
import { checkCsr, issueClientCert, newSerial, publicKeySha256 } from './x509.js';

/** Who made a REST call: the token's name and scopes. */
export interface Caller {
  name: string;
  scopes: Scope[];
}

/** A client certificate as the TLS layer saw it: DER bytes, already verified against our CA. */
export interface PeerCert {
  raw: Buffer;
}

/** Limits on join tokens (a TTL in ms and a use count). */
export const JOIN_TOKEN_LIMITS = { maxTtlMs: 30 * 86_400_000, maxUses: 10_000 } as const;

/** How long an agent certificate is valid; agents renew it at two thirds (policy.ts renewAt). */
export const DEFAULT_CERT_TTL_MS = 24 * 3_600_000;

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const secret = (prefix: string) => `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;

/**
 * Tokens, enrollment and host identities on the store: the effectful shell around policy.ts.
 * Secrets are kept only as SHA-256 hashes; the CA key never leaves `material`.
 */
export class TrustService {
  constructor(
    private readonly store: Store,
    readonly material: TrustMaterial,
    private readonly now: () => number,
    private readonly certTtlMs = DEFAULT_CERT_TTL_MS,
  ) {}

  /**
   * At first start (no API token yet) creates the `admin` token and writes it to
   * `<dataDir>/admin.token` (mode 0600). Later starts keep the file and the token.
   */
  ensureAdminToken(dataDir: string): void {
    if (this.store.countApiTokens() > 0) return;
    let token: string;
    try {
      token = this.createApiToken('admin', ['admin']);
    } catch (err) {
      // Another replica on the same store made it first; its data dir holds the file.
      if (this.store.countApiTokens() > 0) return;
      throw err;
    }
    writeFileAtomicSync(path.join(dataDir, 'admin.token'), `${token}\n`, 0o600);
  }

  /** A new API token; returns its secret (shown once). @throws ValidationError for a bad name/scopes, conflict when the name exists. */
  createApiToken(name: string, scopes: readonly Scope[]): string {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new ValidationError('invalid token', [
        { path: 'name', message: 'must be 1-64 of [A-Za-z0-9._-]' },
      ]);
    if (scopes.length === 0)
      throw new ValidationError('invalid token', [
        { path: 'scopes', message: 'at least one of read, write, exec, admin' },
      ]);
    const token = secret('hactl');
    try {
      this.store.insertApiToken({
        name,
        hash: sha256(token),
        scopes: scopes.join(','),
        created_at: this.now(),
      });
    } catch (err) {
      if (String(err).includes('UNIQUE'))
        throw new HactlError('already_exists', `an API token named ${name} exists`);
      throw err;
    }
    return token;
  }

  /**
   * The caller of a REST call from its `authorization` header.
   * @throws HactlError unauthenticated (401) without a known bearer token.
   */
  identify(header: string | undefined): Caller {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header ?? '');
    if (!m)
      throw new HactlError(
        'unauthenticated',
        'missing bearer token: send "authorization: Bearer <token>" (hactl reads HACTL_TOKEN or --token; the first admin token is in <data-dir>/admin.token)',
      );
    const row = this.store.getApiTokenByHash(sha256(m[1]!));
    if (!row) throw new HactlError('unauthenticated', 'unknown API token');
    return { name: row.name, scopes: parseScopes(row.scopes).scopes };
  }

  /**
   * A join token for enrolling hosts whose names match `hosts` (a `*` glob), `uses` times, until
   * `ttlMs` from now. @throws ValidationError naming the field.
   */
  createJoinToken(opts: { ttlMs: number; uses: number; hosts: string; createdBy: string }): {
    token: string;
    id: string;
    expiresAt: number;
  } {
    const problems = [];
    if (!Number.isInteger(opts.ttlMs) || opts.ttlMs < 1000 || opts.ttlMs > JOIN_TOKEN_LIMITS.maxTtlMs)
      problems.push({
        path: 'ttlMs',
        message: `must be an integer from 1000 to ${JOIN_TOKEN_LIMITS.maxTtlMs}`,
      });
    if (!Number.isInteger(opts.uses) || opts.uses < 1 || opts.uses > JOIN_TOKEN_LIMITS.maxUses)
      problems.push({ path: 'uses', message: `must be an integer from 1 to ${JOIN_TOKEN_LIMITS.maxUses}` });
    if (!HOST_PATTERN_RE.test(opts.hosts))
      problems.push({ path: 'hosts', message: 'must be a host name pattern of [A-Za-z0-9.-] and *' });
    if (problems.length) throw new ValidationError('invalid join token request', problems);
    const token = secret('hjt');
    const id = crypto.randomBytes(6).toString('hex');
    const expiresAt = this.now() + opts.ttlMs;
    this.store.insertJoinToken({
      id,
      hash: sha256(token),
      hosts: opts.hosts,
      uses_left: opts.uses,
      expires_at: expiresAt,
      created_at: this.now(),
      created_by: opts.createdBy,
    });
    return { token, id, expiresAt };
  }

  /**
   * Signs a client certificate for a CSR: with a join token (first contact), or, for renewal, with
   * the host's current certificate (`peer`) and no token. The CSR must name `name` and, when the
   * host is enrolled, carry its enrolled key. Nothing is stored unless every check passed.
   * @throws ValidationError (bad CSR/name), unauthenticated (token), permission_denied (identity).
   */
  async enroll(req: { token: string; csrPem: string; name: string; peer: PeerCert | undefined }): Promise<{
    certPem: string;
    caPem: string;
  }> {
    const csr = await checkCsr(req.csrPem);
    if (csr.name !== req.name)
      throw new ValidationError('invalid CSR', [
        { path: 'csr_pem', message: `names host ${csr.name} but the request is for ${req.name}` },
      ]);
    const now = this.now();
    const enrolled = this.store.getHostIdentity(req.name);
    let tokenId: string | undefined;
    if (req.token) {
      const row = this.store.getJoinTokenByHash(sha256(req.token));
      const why = checkJoinToken(
        row && { hosts: row.hosts, usesLeft: row.uses_left, expiresAt: row.expires_at },
        req.name,
        now,
      );
      if (why) throw new HactlError('unauthenticated', why);
      tokenId = row!.id;
    } else {
      const who = this.peerIdentity(req.peer);
      if (!who)
        throw new HactlError(
          'unauthenticated',
          'an enrollment token or a valid client certificate is required',
        );
      if (who.name !== req.name)
        throw new HactlError('permission_denied', `the certificate of ${who.name} cannot renew ${req.name}`);
    }
    const keyProblem = checkHostKey(enrolled?.key_sha256, csr.keySha256, req.name);
    if (keyProblem) throw new HactlError('permission_denied', keyProblem);
    const serial = newSerial();
    const certPem = await issueClientCert(this.material.ca, csr, serial, now, this.certTtlMs);
    this.store.transaction(() => {
      if (tokenId && !this.store.useJoinToken(tokenId))
        throw new HactlError('unauthenticated', 'the enrollment token has no uses left');
      this.store.setHostIdentity({
        host: req.name,
        key_sha256: csr.keySha256,
        serial,
        not_after: now + this.certTtlMs,
        enrolled_at: now,
      });
    });
    return { certPem, caPem: this.material.ca.certPem };
  }

  /**
   * The host a verified client certificate speaks for, when it is still that host's identity (its
   * key is the enrolled one: a deleted host, or a key replaced, is revoked); undefined otherwise.
   */
  peerIdentity(peer: PeerCert | undefined): { name: string } | undefined {
    if (!peer) return undefined;
    const cert = new crypto.X509Certificate(peer.raw);
    const m = /^CN=([A-Za-z0-9.-]+)$/.exec(cert.subject.trim());
    if (!m) return undefined;
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    const row = this.store.getHostIdentity(m[1]!);
    if (!row || row.key_sha256 !== publicKeySha256(spki)) return undefined;
    return { name: m[1]! };
  }

  /** Whether `name` has an enrolled key. */
  isEnrolled(name: string): boolean {
    return this.store.getHostIdentity(name) !== undefined;
  }

  /** Forgets a host's enrolled key: every certificate it holds is refused from now on. */
  revokeHost(name: string): void {
    this.store.deleteHostIdentity(name);
  }

  /** The CA certificate (PEM) and its SHA-256, for install commands. */
  caInfo(): { caPem: string; caSha256: string } {
    return { caPem: this.material.ca.certPem, caSha256: this.material.caSha256 };
  }

  /** Records a mutating REST call: who (the token's name), the call, and its HTTP status. */
  audit(who: string, method: string, path: string, status: number): void {
    this.store.appendEvent({
      at: this.now(),
      type: 'audit',
      cluster: null,
      host: null,
      message: `${who}: ${method} ${path} → ${status}`,
      data_json: JSON.stringify({ token: who, method, path, status }),
    });
  }

  /** Reads `<dataDir>/admin.token` (tests and the lab use it). */
  static readAdminToken(dataDir: string): string {
    return fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
  }
}
