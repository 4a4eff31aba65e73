import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import type { Logger } from '@hactl/shared';
import type { ErrorBody } from '../api/contract.js';

/** Request headers that belong to one connection and are not passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export interface ForwardOptions {
  /** The leader's REST endpoint (HOST:PORT), waiting up to `waitMs` for one; undefined when none leads. */
  leader: (waitMs: number) => Promise<string | undefined>;
  /** TLS: the shared CA the leader's certificate is checked against; undefined for plain HTTP (loopback). */
  ca: string | undefined;
  /** How long a request waits for a leader during an election before it is answered 503. */
  waitMs: number;
  logger: Logger;
}

function unavailable(res: http.ServerResponse, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body: ErrorBody = { error: { code: 'not_leader', message, details: [], retriable: true } };
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify(body));
}

/**
 * A follower replica's REST API: each request goes to the leader replica as it came (method,
 * path, headers, body streamed both ways, so event streams and `logs -f` work), and the leader
 * authenticates and answers it. During an election a request waits for the next leader instead of
 * failing at once; when none appears in `waitMs` it gets 503 `not_leader` (retriable).
 *
 * A hand-written pipe rather than a proxy library: it is one request and one response with the
 * hop-by-hop headers dropped, and http-proxy, the usual library, has had no release since 2020.
 */
export function createForwarder(
  o: ForwardOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void o.leader(o.waitMs).then((target) => {
      if (!target) {
        unavailable(res, `no control-plane replica leads right now (waited ${o.waitMs} ms); retry`);
        return;
      }
      const sep = target.lastIndexOf(':');
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers))
        if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      const opts: https.RequestOptions = {
        host: target.slice(0, sep).replace(/^\[|\]$/g, ''),
        port: Number(target.slice(sep + 1)),
        method: req.method,
        path: req.url,
        headers,
        ...(o.ca ? { ca: o.ca } : {}),
      };
      const upstream = (o.ca ? https : http).request(opts, (up) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(up.statusCode ?? 502, out);
        // A streamed answer (server-sent events) must reach the client as it is written.
        res.flushHeaders();
        pipeline(up, res, (err) => {
          if (err) o.logger.debug({ path: req.url, err: err.message }, 'forwarded response ended early');
        });
      });
      upstream.on('error', (err) => {
        o.logger.warn(
          { path: req.url, leader: target, err: err.message },
          'forwarding to the leader replica failed',
        );
        unavailable(res, `the leader replica ${target} did not answer (${err.message}); retry`);
      });
      res.on('close', () => upstream.destroy());
      pipeline(req, upstream, () => undefined);
    });
  };
}
