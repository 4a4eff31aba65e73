import net from 'node:net';

/**
 * The emulator's node-to-node transport. DEPARTURE from ES: real nodes speak ES's binary transport
 * protocol on `transport.port`; emulator nodes exchange newline-delimited JSON, one request per TCP
 * connection: `{"id","action","cluster_name","body"}` → `{"id","ok":true,"body"}` or
 * `{"id","ok":false,"error":{"type","reason"}}`. Only emulator nodes can join each other.
 * Every request carries the sender's cluster name; a mismatch is refused like ES's handshake.
 */
export type Handler = (body: unknown) => Promise<unknown> | unknown;

/** The peer could not be reached (ES: ConnectTransportException / NodeDisconnectedException). */
export class ConnectTransportError extends Error {
  readonly retriable = true;
}
/** The peer did not answer in time (ES: ReceiveTimeoutTransportException). */
export class TransportTimeoutError extends Error {
  readonly retriable = true;
}
/** The peer's handler failed (ES: RemoteTransportException wrapping the cause). */
export class RemoteTransportError extends Error {
  constructor(
    readonly type: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Handlers throw this to send a typed failure back. */
export class TransportHandlerError extends Error {
  constructor(
    readonly type: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface TransportServer {
  port: number;
  close(): Promise<void>;
}

export async function listenTransport(
  host: string,
  ports: [number, number],
  clusterName: string,
  handlers: ReadonlyMap<string, Handler>,
): Promise<TransportServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void answer(line).then((reply) => {
          if (!socket.destroyed) socket.write(JSON.stringify(reply) + '\n');
        });
      }
    });
  });
  const answer = async (line: string): Promise<unknown> => {
    let id: unknown = null;
    try {
      const req = JSON.parse(line) as { id: unknown; action: string; cluster_name: string; body: unknown };
      id = req.id;
      if (req.cluster_name !== clusterName) {
        return {
          id,
          ok: false,
          error: {
            type: 'illegal_state_exception',
            reason: `handshake failed: remote cluster name [${req.cluster_name}] does not match local cluster name [${clusterName}]`,
          },
        };
      }
      const h = handlers.get(req.action);
      if (!h) return { id, ok: false, error: { type: 'action_not_found_transport_exception', reason: `No handler for action [${req.action}]` } };
      return { id, ok: true, body: (await h(req.body)) ?? null };
    } catch (err) {
      const e = err as Partial<TransportHandlerError> & Error;
      return { id, ok: false, error: { type: e.type ?? 'exception', reason: e.reason ?? e.message } };
    }
  };
  const port = await listenInRange(server, host, ports);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Binds the first free port of the range, as ES does for `9300-9400`. */
export async function listenInRange(server: net.Server, host: string, [lo, hi]: [number, number]): Promise<number> {
  for (let p = lo; p <= hi; p++) {
    const ok = await new Promise<boolean>((resolve, reject) => {
      const onErr = (err: NodeJS.ErrnoException): void => {
        server.off('listening', onOk);
        if (err.code === 'EADDRINUSE' && p < hi) resolve(false);
        else reject(err);
      };
      const onOk = (): void => {
        server.off('error', onErr);
        resolve(true);
      };
      server.once('error', onErr);
      server.once('listening', onOk);
      server.listen(p, host);
    });
    if (ok) return (server.address() as net.AddressInfo).port;
  }
  throw new Error(`Failed to bind to ${host}:${lo}-${hi}`);
}

let nextId = 1;

export interface SendOptions {
  timeoutMs: number;
  localAddress?: string;
  clusterName: string;
}

export function sendRequest(host: string, port: number, action: string, body: unknown, opts: SendOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    let settled = false;
    let buf = '';
    const socket = net.connect({ host, port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const done = (err: Error | undefined, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(
      () => done(new TransportTimeoutError(`[${host}:${port}][${action}] request_id [${id}] timed out after [${opts.timeoutMs}ms]`)),
      opts.timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ id, action, cluster_name: opts.clusterName, body }) + '\n'));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        const reply = JSON.parse(buf.slice(0, nl)) as { ok: boolean; body?: unknown; error?: { type: string; reason: string } };
        if (reply.ok) done(undefined, reply.body);
        else done(new RemoteTransportError(reply.error?.type ?? 'exception', reply.error?.reason ?? 'unknown error'));
      } catch (err) {
        done(err as Error);
      }
    });
    socket.on('error', (err) => done(new ConnectTransportError(`[${host}:${port}] connect_exception: ${err.message}`)));
    socket.on('close', () => done(new ConnectTransportError(`[${host}:${port}][${action}] disconnected`)));
  });
}
