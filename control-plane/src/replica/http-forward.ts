import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { parseHostPort, type Logger } from '@hactl/shared';
import type { ErrorBody } from '../api/contract.js';
import { MAX_BODY_BYTES } from '../api/limits.js';

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
  /**
   * The REST endpoint (HOST:PORT) to send to, waiting up to `waitMs` for a leader other than `not`
   * (one that just refused the connection): the leader's, or this replica's own when it came to
   * lead meanwhile; undefined when none appears.
   */
  leader: (waitMs: number, not?: string) => Promise<string | undefined>;
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

/** Reads a request body whole, up to `limit` bytes (undefined above it). */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A follower replica's REST API: each request goes to the leader replica as it came (method,
 * path, headers, body; the answer streamed back as it is written, so event streams and `logs -f`
 * work), and the leader authenticates and answers it.
 *
 * During an election a request waits for the next leader instead of failing at once. A leader
 * that refuses the connection (it died; its lease has not run out yet) is tried again once
 * another leads: the request never reached it, so sending it again is safe, and its body is held
 * for that (bodies are at most MAX_BODY_BYTES). When no leader answers within `waitMs` the request
 * gets 503 `not_leader` (retriable). A connection that breaks after it was made is not retried:
 * the leader may have acted on it.
 *
 * A hand-written pipe rather than a proxy library: one request and one response with the
 * hop-by-hop headers dropped and a retry rule of our own; http-proxy, the usual library, has had
 * no release since 2020.
 */
export function createForwarder(
  o: ForwardOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    deadline: number,
    not?: string,
  ): void => {
    void o.leader(Math.max(0, deadline - Date.now()), not).then((target) => {
      if (!target) {
        unavailable(res, `no control-plane replica leads right now (waited ${o.waitMs} ms); retry`);
        return;
      }
      const at = parseHostPort(target);
      if (typeof at === 'string') {
        unavailable(res, `the leader's REST endpoint is not HOST:PORT (${at})`);
        return;
      }
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers))
        if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      headers['content-length'] = String(body.length);
      const opts: https.RequestOptions = {
        host: at.host,
        port: at.port,
        method: req.method,
        path: req.url,
        headers,
        ...(o.ca ? { ca: o.ca } : {}),
      };
      let connected = false;
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
      upstream.on('socket', (socket) => socket.once('connect', () => (connected = true)));
      upstream.on('error', (err) => {
        if (!connected && Date.now() < deadline) {
          o.logger.info(
            { path: req.url, leader: target, err: err.message },
            'the leader replica refused; waiting for the next',
          );
          send(req, res, body, deadline, target);
          return;
        }
        o.logger.warn(
          { path: req.url, leader: target, err: err.message },
          'forwarding to the leader replica failed',
        );
        unavailable(res, `the leader replica ${target} did not answer (${err.message}); retry`);
      });
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  };
  return (req, res) => {
    void readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        if (!body) {
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: {
                code: 'payload_too_large',
                message: `the body is over ${MAX_BODY_BYTES} bytes`,
                details: [],
                retriable: false,
              },
            }),
          );
          return;
        }
        send(req, res, body, Date.now() + o.waitMs);
      },
      () => res.destroy(),
    );
  };
}
