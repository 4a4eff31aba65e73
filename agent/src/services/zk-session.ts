import { ReusedClient } from './reuse.js';

/** The few read calls the probes make on a ZooKeeper session. */
export interface ZkReader {
  /** Children of a path; [] when the path does not exist yet. */
  children(path: string): Promise<string[]>;
  /** Data of a node; undefined when it does not exist (or vanished between listing and reading). */
  data(path: string): Promise<Buffer | undefined>;
}

/** An open session. */
export interface ZkConnection extends ZkReader {
  /** False once the session was disconnected or expired. */
  readonly alive: boolean;
  close(): void;
}

/** Opens a session to `connect` (`h1:2181,h2:2181[/chroot]`), failing after `timeoutMs`. */
export type ZkConnect = (connect: string, timeoutMs: number) => Promise<ZkConnection>;

/**
 * node-zookeeper-client, loaded only when a probe first needs ZooKeeper (a host without Storm or
 * ZooKeeper-mode Kafka never loads it). The session timeout is a few probe timeouts: long enough
 * that a slow interval does not expire it, short enough that the ensemble forgets a dead agent soon.
 * A session that cannot connect within `timeoutMs` is closed (the client would retry forever).
 */
export const connectZookeeper: ZkConnect = async (connect, timeoutMs) => {
  const g = await openGuardedClient(connect, timeoutMs);
  const { client, zookeeper, call } = g;
  const NO_NODE = zookeeper.Exception.NO_NODE;
  const isNoNode = (err: unknown) => err instanceof zookeeper.Exception && err.getCode() === NO_NODE;
  return {
    get alive() {
      return g.alive;
    },
    close: () => client.close(),
    children: (path) =>
      call<string[]>((done) =>
        client.getChildren(path, (err, children) =>
          err ? (isNoNode(err) ? done(undefined, []) : done(err)) : done(undefined, children),
        ),
      ),
    data: (path) =>
      call<Buffer | undefined>((done) =>
        client.getData(path, (err, data) =>
          err
            ? isNoNode(err)
              ? done(undefined, undefined)
              : done(err)
            : done(undefined, data ?? Buffer.alloc(0)),
        ),
      ),
  };
};

/** A connected node-zookeeper-client with the reply-parse guard (see `openGuardedClient`). */
export interface GuardedZkClient {
  readonly zookeeper: typeof import('node-zookeeper-client');
  readonly client: import('node-zookeeper-client').Client;
  /** False once the session was disconnected, expired or dropped by the parse guard. */
  readonly alive: boolean;
  /**
   * Runs one library call, settled by its callback or by the parse guard, whichever comes first:
   * `start` gets the callback to hand to the library call.
   */
  call<T>(start: (done: (err: unknown, value?: T) => void) => void): Promise<T>;
}

/**
 * node-zookeeper-client, loaded on first use (a host without Storm or ZooKeeper-mode Kafka never
 * loads it), connected to `connect` (`h1:2181,h2:2181[/chroot]`) with `guardReplyParsing` on, so a
 * reply the library misreads fails the calls in flight instead of ending the agent. The session
 * timeout is a few `timeoutMs`. Rejects, with the client closed, when it does not connect within
 * `timeoutMs` (the client would retry forever).
 */
export async function openGuardedClient(connect: string, timeoutMs: number): Promise<GuardedZkClient> {
  const { default: zookeeper } = await import('node-zookeeper-client');
  const client = zookeeper.createClient(connect, {
    sessionTimeout: Math.max(6000, timeoutMs * 3),
    spinDelay: 200,
    retries: 0,
  });
  let alive = true;
  // Calls in flight, failed together when the library cannot parse a reply: it had already taken
  // the call off its own queue when it threw, so it would never answer that call itself.
  const inFlight = new Set<(err: Error) => void>();
  guardReplyParsing(client, (err) => {
    alive = false;
    client.close();
    const failure = new Error(
      `ZooKeeper ${connect}: a reply could not be parsed (${err instanceof Error ? err.message : String(err)}); session dropped`,
    );
    for (const fail of inFlight) fail(failure);
    inFlight.clear();
  });
  client.once('disconnected', () => (alive = false));
  client.once('expired', () => (alive = false));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`ZooKeeper ${connect} did not connect within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.once('connected', () => resolve());
      client.connect();
    });
  } catch (err) {
    client.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    zookeeper,
    client,
    get alive() {
      return alive;
    },
    call: <T>(start: (done: (err: unknown, value?: T) => void) => void): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const fail = (err: Error) => reject(err);
        inFlight.add(fail);
        start((err, value) => {
          inFlight.delete(fail);
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve(value as T);
        });
      }),
  };
}

/** The part of node-zookeeper-client's connection manager the guard wraps (lib/ConnectionManager.js). */
interface ReplyParser {
  onSocketData(this: ReplyParser, buffer: Buffer): void;
  pendingBuffer?: Buffer | null;
  socket?: { destroy(): void } | null;
}

/**
 * node-zookeeper-client parses replies inside its socket's `data` handler and throws there on a
 * reply it misreads (upstream alexguan/node-zookeeper-client#23 and #70, still open: "Unknown
 * code: <random number>"), where no caller can catch it, so it ended the whole agent. This wraps
 * that handler on `client`'s own connection manager: a reply the library cannot parse is handled
 * as the library handles a reply to an unknown op code — the socket is destroyed, the pending
 * calls fail with CONNECTION_LOSS, and `onFailure` marks the session dead so the next probe opens
 * a new one. Throws when the library's internals no longer have the handler (a version change).
 */
export function guardReplyParsing(client: unknown, onFailure: (err: unknown) => void): void {
  const manager = (client as { connectionManager?: ReplyParser }).connectionManager;
  if (typeof manager?.onSocketData !== 'function')
    throw new Error('node-zookeeper-client has no connectionManager.onSocketData to guard');
  const parse = manager.onSocketData;
  manager.onSocketData = function guarded(this: ReplyParser, buffer: Buffer) {
    try {
      parse.call(this, buffer);
    } catch (err) {
      this.pendingBuffer = null;
      this.socket?.destroy();
      onFailure(err);
    }
  };
}

/**
 * One prober's ZooKeeper session, kept between probes (see reuse.ts): opened on first use, reused
 * while the connect string is the same and the session is up, dropped after any failure or timeout.
 */
export class ZkSession {
  private readonly session: ReusedClient<{ connect: string; timeoutMs: number; zk: ZkConnection }>;

  constructor(open: ZkConnect = connectZookeeper) {
    this.session = new ReusedClient({
      open: async (key) => {
        const { connect, timeoutMs } = JSON.parse(key) as { connect: string; timeoutMs: number };
        return { connect, timeoutMs, zk: await open(connect, timeoutMs) };
      },
      alive: (s) => s.zk.alive,
      close: (s) => s.zk.close(),
    });
  }

  /** Runs `fn` on the session; `fn` must finish within `timeoutMs` or the session is dropped. */
  run<T>(connect: string, timeoutMs: number, fn: (zk: ZkReader) => Promise<T>): Promise<T> {
    return this.session.use(JSON.stringify({ connect, timeoutMs }), (s) =>
      answerWithin(connect, timeoutMs, fn(s.zk)),
    );
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/**
 * `work`, or a rejection once `timeoutMs` passed. A kept session needs a deadline per use:
 * node-zookeeper-client only pings on an idle socket and never times a missing answer out, so a
 * call on a connection lost without a FIN (a partition) would wait for TCP to give up, minutes.
 */
export async function answerWithin<T>(connect: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`ZooKeeper ${connect} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
