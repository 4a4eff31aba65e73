import crypto from 'node:crypto';
import tls from 'node:tls';
import { parseHostPort } from '@hactl/shared';
import { UnreachableError } from './in-order.js';

/** SHA-256 of a DER certificate, lower-case hex without colons. */
export function sha256Hex(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex');
}

/** `--ca-sha256` as hex; colons and case are ignored. Undefined when it is not 64 hex digits. */
export function normaliseFingerprint(fp: string): string | undefined {
  const hex = fp.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/**
 * The control plane's CA certificate (PEM), taken from the chain its gRPC port presents and accepted
 * only when its SHA-256 is `fingerprint` (from the install command): the first contact is verified
 * without a CA file, and a man in the middle cannot substitute its own CA. The handshake itself is
 * unverified (it has to be, to fetch the CA); nothing but the chain is read from it.
 * @throws UnreachableError when the server cannot be reached; Error when no certificate in its chain
 * matches.
 */
export function fetchCaByFingerprint(
  server: string,
  fingerprint: string,
  timeoutMs = 10_000,
): Promise<string> {
  const hp = parseHostPort(server);
  if (typeof hp === 'string') return Promise.reject(new Error(`--server: ${hp}`));
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: hp.host,
      port: hp.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      // SNI carries host names only (RFC 6066): none for an IPv4 or IPv6 address.
      servername: hp.host.includes(':') || /^[0-9.]+$/.test(hp.host) ? undefined : hp.host,
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no TLS handshake with ${server} within ${timeoutMs} ms`)),
    );
    socket.once('error', (err) => reject(new UnreachableError(server, err.message)));
    socket.once('secureConnect', () => {
      const seen: string[] = [];
      let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (cert?.raw) {
        const fp = sha256Hex(cert.raw);
        seen.push(fp);
        if (fp === fingerprint) {
          const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw
            .toString('base64')
            .replace(/(.{64})/g, '$1\n')
            .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
          socket.destroy();
          resolve(pem);
          return;
        }
        if (cert.issuerCertificate === cert) break;
        cert = cert.issuerCertificate;
      }
      socket.destroy();
      reject(
        new Error(
          `no certificate presented by ${server} has SHA-256 ${fingerprint} (saw ${seen.join(', ') || 'none'}): wrong --ca-sha256, or not the control plane you expect`,
        ),
      );
    });
  });
}
