import net from 'node:net';
import { Reader, TruncatedError } from './wire.js';
import { ApiKey, ErrorCode, isFlexible, type ApiRange } from './api.js';
import { encodeApiVersionsResponse, frameResponse, parseRequestHeader, type RequestHeader } from './messages.js';
import type { Logger } from './log.js';

/** What a listener does with a decoded request; undefined closes the connection. */
export interface RequestHandler {
  apis(): readonly ApiRange[];
  /** Accepted but not advertised in ApiVersions (the emulator's private quorum traffic). */
  hiddenApis?(): readonly ApiRange[];
  handle(header: RequestHeader, body: Reader, listenerName: string): Promise<Buffer | undefined>;
}

const MAX_REQUEST_BYTES = 104_857_600; // socket.request.max.bytes default

export interface KafkaListener {
  readonly server: net.Server;
  close(): Promise<void>;
}

/**
 * One listener (`NAME://host:port`). Requests on a connection are answered strictly in order, as
 * Kafka's processor mutes a channel until its response is sent. Requests are held until `ready`
 * resolves (Kafka binds acceptors early but starts processors only at the end of startup).
 * An unknown API key or an unsupported version closes the connection, as Kafka does when the request
 * header cannot be parsed — except ApiVersions, which is answered in the v0 layout with
 * UNSUPPORTED_VERSION so clients can retry lower. [kafka SocketServer, KafkaApis.handleApiVersionsRequest]
 */
export function listen(opts: {
  host: string;
  port: number;
  listenerName: string;
  handler: RequestHandler;
  log: Logger;
  ready: Promise<void>;
}): Promise<KafkaListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    let chain = opts.ready;
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const size = buf.readInt32BE(0);
        if (size < 0 || size > MAX_REQUEST_BYTES) {
          sock.destroy();
          return;
        }
        if (buf.length < 4 + size) break;
        const frame = buf.subarray(4, 4 + size);
        buf = buf.subarray(4 + size);
        chain = chain.then(() => answer(sock, frame)).catch((err: unknown) => {
          opts.log.warn(`Closing socket connection to ${sock.remoteAddress} due to error: ${(err as Error).message}`);
          sock.destroy();
        });
      }
    });
  });

  const answer = async (sock: net.Socket, frame: Buffer): Promise<void> => {
    if (sock.destroyed) return;
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = parseRequestHeader(r, isFlexible);
    } catch (err) {
      if (err instanceof TruncatedError) throw new Error('invalid request header');
      throw err;
    }
    const apis = opts.handler.apis();
    const range = apis.find((a) => a.apiKey === header.apiKey) ?? opts.handler.hiddenApis?.().find((a) => a.apiKey === header.apiKey);
    if (header.apiKey === ApiKey.ApiVersions && range && header.apiVersion > range.max) {
      const body = encodeApiVersionsResponse(0, apis, ErrorCode.UNSUPPORTED_VERSION);
      sock.write(frameResponse(header.correlationId, body, false));
      return;
    }
    if (!range || header.apiVersion < range.min || header.apiVersion > range.max) {
      opts.log.warn(
        `Closing socket connection to ${sock.remoteAddress} due to invalid request: Unsupported API key ${header.apiKey} version ${header.apiVersion}`,
      );
      sock.destroy();
      return;
    }
    const body = await opts.handler.handle(header, r, opts.listenerName);
    if (body === undefined) {
      sock.destroy();
      return;
    }
    // ApiVersions responses always use header v0, even for flexible versions.
    const flexibleHeader = header.apiKey !== ApiKey.ApiVersions && isFlexible(header.apiKey, header.apiVersion);
    sock.write(frameResponse(header.correlationId, body, flexibleHeader));
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host === '' ? undefined : opts.host, port: opts.port }, () => {
      server.off('error', reject);
      resolve({
        server,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
