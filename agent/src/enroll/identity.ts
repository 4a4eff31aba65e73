import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentServiceClient, type EnrollResponse__Output } from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import { writeFileIfChanged } from '../files/atomic.js';
import { createCsrPem, generateKeyPem } from './csr.js';
import { fetchCaByFingerprint, sha256Hex } from './first-contact.js';
import { askInOrder, UnreachableError } from './in-order.js';
import { planRenewal, planRenewalRetry } from './renewal.js';

/** How the agent first reaches a control plane: a join token and a way to trust its CA. */
export interface FirstContact {
  /** `--token`: a join token; only needed when the agent has no valid certificate yet. */
  token: string | undefined;
  /** `--ca-sha256`: the CA certificate's SHA-256 (hex). */
  caSha256: string | undefined;
  /** `--ca-file`: a PEM file with the CA certificate. */
  caFile: string | undefined;
}

async function readIf(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

type EnrollClient = grpc.Client & {
  Enroll(
    req: { token: string; csrPem: Buffer; name: string },
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: EnrollResponse__Output) => void,
  ): void;
};

/**
 * The agent's TLS identity in `<state-dir>/tls/`: its private key (`agent.key`, 0600, made here and
 * never sent), the CSR for it, its client certificate (`agent.crt`) and the control plane's CA
 * (`ca.pem`). `load` enrolls when there is no valid certificate; `startRenewal` renews at two
 * thirds of the certificate's life over mTLS. Files are written atomically (files/atomic.ts).
 */
export class AgentIdentity {
  private creds: grpc.ChannelCredentials;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly dir: string,
    private readonly servers: string[],
    private readonly name: string,
    private readonly ca: string,
    private readonly key: string,
    private readonly csr: string,
    private cert: string,
    private readonly logger: Logger,
  ) {
    this.creds = this.build();
  }

  /**
   * Loads the identity, enrolling with `first.token` when there is no certificate, or it has
   * expired, or it is for another name or key.
   * @throws Error with the reason when the CA cannot be trusted or enrollment is refused.
   */
  static async load(opts: {
    stateDir: string;
    /** The control plane's replicas, asked in this order (in-order.ts). */
    servers: string[];
    name: string;
    first: FirstContact;
    logger: Logger;
    now: () => number;
  }): Promise<AgentIdentity> {
    const dir = path.join(opts.stateDir, 'tls');
    // The state dir as the rest of the agent makes it (a recursive mkdir would give it 0700 too, and
    // a data root below it, as in the lab, would be closed to the services' accounts); only tls/ is 0700.
    await fs.mkdir(opts.stateDir, { recursive: true });
    await fs.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await fs.chmod(dir, 0o700);
    const f = (n: string) => path.join(dir, n);
    let ca = opts.first.caFile ? await fs.readFile(opts.first.caFile, 'utf8') : await readIf(f('ca.pem'));
    if (opts.first.caSha256) {
      if (!ca || sha256Hex(new crypto.X509Certificate(ca).raw) !== opts.first.caSha256)
        ca = await askInOrder(opts.servers, (server) => fetchCaByFingerprint(server, opts.first.caSha256!));
    }
    if (!ca)
      throw new Error(
        `no CA to trust the control plane with: pass --ca-sha256 FP or --ca-file PATH for the first contact (hactl install-command prints both)`,
      );
    await writeFileIfChanged(f('ca.pem'), ca, { mode: 0o644 });
    let key = await readIf(f('agent.key'));
    if (!key) {
      key = generateKeyPem();
      await writeFileIfChanged(f('agent.key'), key, { mode: 0o600 });
    }
    let csr = await readIf(f('agent.csr'));
    const keySpki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
    if (!csr || !csrFits(csr, opts.name)) {
      csr = await createCsrPem(key, opts.name);
      await writeFileIfChanged(f('agent.csr'), csr, { mode: 0o644 });
    }
    const cert = await readIf(f('agent.crt'));
    const usable = cert && certFits(cert, opts.name, keySpki, ca, opts.now());
    const id = new AgentIdentity(dir, opts.servers, opts.name, ca, key, csr, usable ? cert : '', opts.logger);
    if (!usable) {
      if (!opts.first.token)
        throw new Error(
          `no valid client certificate in ${dir} (${cert ? 'expired, or for another name, key or CA' : 'not enrolled yet'}): pass --token with a join token (hactl token create)`,
        );
      const server = await id.enroll(opts.first.token);
      opts.logger.info({ server }, 'enrolled: client certificate issued');
    }
    return id;
  }

  /** Channel credentials with the current certificate (a new object after each renewal). */
  credentials(): grpc.ChannelCredentials {
    return this.creds;
  }

  /** Keeps the certificate renewed until `stop`. */
  startRenewal(now: () => number): void {
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        this.enroll('').then(
          (server) => {
            this.logger.info({ server }, 'client certificate renewed');
            schedule(this.plan(now).delayMs);
          },
          (err: unknown) => {
            this.logger.warn(
              { err: err instanceof Error ? err.message : String(err) },
              'certificate renewal failed; retrying',
            );
            schedule(
              planRenewalRetry(new Date(new crypto.X509Certificate(this.cert).validTo).getTime(), now()),
            );
          },
        );
      }, delayMs);
      this.timer.unref();
    };
    schedule(this.plan(now).delayMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private plan(now: () => number) {
    const c = new crypto.X509Certificate(this.cert);
    return planRenewal(new Date(c.validFrom).getTime(), new Date(c.validTo).getTime(), now());
  }

  private build(): grpc.ChannelCredentials {
    return this.cert
      ? grpc.credentials.createSsl(Buffer.from(this.ca), Buffer.from(this.key), Buffer.from(this.cert))
      : grpc.credentials.createSsl(Buffer.from(this.ca));
  }

  /**
   * Sends the CSR to Enroll (with `token`, or over mTLS to renew) at the first address that
   * answers, and stores the certificate.
   * @returns the address that issued it.
   */
  private async enroll(token: string): Promise<string> {
    const { server, res } = await askInOrder(this.servers, (server) => this.enrollAt(server, token));
    const cert = Buffer.from(res.certificatePem).toString('utf8');
    await writeFileIfChanged(path.join(this.dir, 'agent.crt'), cert, { mode: 0o644 });
    this.cert = cert;
    this.creds = this.build();
    return server;
  }

  private async enrollAt(
    server: string,
    token: string,
  ): Promise<{ server: string; res: EnrollResponse__Output }> {
    const Client = agentServiceClient();
    const client = new Client(server, this.build()) as unknown as EnrollClient;
    try {
      const res = await new Promise<EnrollResponse__Output>((resolve, reject) =>
        client.Enroll(
          { token, csrPem: Buffer.from(this.csr), name: this.name },
          { deadline: Date.now() + 30_000 },
          (err, r) => {
            if (r && !err) return resolve(r);
            const why = err?.details || err?.message || 'empty answer';
            // No answer from this replica: the next one may give it. Anything else is its answer.
            if (err && UNREACHABLE_CODES.has(err.code)) reject(new UnreachableError(server, why));
            else reject(new Error(`enrollment refused by ${server}: ${why}`));
          },
        ),
      );
      return { server, res };
    } finally {
      client.close();
    }
  }
}

/** gRPC statuses that mean the address did not answer (connection refused or lost, no reply in time). */
const UNREACHABLE_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
]);

/** Whether a stored CSR asks for `name` (a renamed agent makes a new one for the same key). */
function csrFits(csrPem: string, name: string): boolean {
  // The subject is DER inside the CSR; the CN's bytes appear verbatim after the CN OID (2.5.4.3).
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  // UTF8String (0x0c) or PrintableString (0x13).
  return [0x0c, 0x13].some((tag) =>
    der.includes(
      Buffer.concat([Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03, tag, name.length]), Buffer.from(name)]),
    ),
  );
}

/** Whether a certificate is usable: issued by `ca`, for `CN=<name>` and our key, valid at `now`. */
function certFits(certPem: string, name: string, keySpki: Buffer, ca: string, now: number): boolean {
  try {
    const c = new crypto.X509Certificate(certPem);
    return (
      c.checkIssued(new crypto.X509Certificate(ca)) &&
      c.verify(new crypto.X509Certificate(ca).publicKey) &&
      c.subject.trim() === `CN=${name}` &&
      Buffer.from(c.publicKey.export({ type: 'spki', format: 'der' })).equals(keySpki) &&
      now >= new Date(c.validFrom).getTime() &&
      now < new Date(c.validTo).getTime()
    );
  } catch {
    return false;
  }
}
