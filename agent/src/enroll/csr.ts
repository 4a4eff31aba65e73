/**
 * The agent's key and CSR. The key is generated here, on the host, and never sent anywhere: only
 * the CSR (public key + proof of possession) goes to the control plane.
 *
 * @peculiar/x509 (with its reflect-metadata polyfill) builds the CSR; see control-plane/src/trust/x509.ts
 * for why that library. It is imported on demand: an enrolled agent that only renews reuses its
 * stored CSR (same key, same name), so the library is not part of the agent's resident footprint.
 */
import crypto, { webcrypto } from 'node:crypto';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A new ECDSA P-256 private key, PKCS#8 PEM. */
export function generateKeyPem(): string {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** A PEM CSR for `CN=<name>` signed by `keyPem`. */
export async function createCsrPem(keyPem: string, name: string): Promise<string> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const priv = crypto.createPrivateKey(keyPem);
  const pub = crypto.createPublicKey(priv);
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      priv.export({ format: 'der', type: 'pkcs8' }),
      ALG,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      pub.export({ format: 'der', type: 'spki' }),
      ALG,
      true,
      ['verify'],
    ),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys: keys as never,
    signingAlgorithm: ALG,
  });
  return csr.toString('pem');
}
