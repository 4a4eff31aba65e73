import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP(S) exchange for the lab: node:http/https rather than fetch, because a lab on the
 * network runs the control plane with TLS from its own CA, which fetch cannot be given.
 * @param ca PEM of the CA that signs an https server's certificate.
 */
export function labRequest(opts: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  ca?: string;
  timeoutMs?: number;
}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(opts.url);
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const headers: Record<string, string | number> = { ...opts.headers, connection: 'close' };
    if (body) headers['content-length'] = body.length;
    const r = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: opts.method, headers, ...(opts.ca ? { ca: opts.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    r.setTimeout(opts.timeoutMs ?? 30_000, () => r.destroy(new Error(`no answer from ${opts.url}`)));
    r.on('error', reject);
    r.end(body);
  });
}
