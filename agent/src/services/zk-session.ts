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
  const { default: zookeeper } = await import('node-zookeeper-client');
  const NO_NODE = zookeeper.Exception.NO_NODE;
  const client = zookeeper.createClient(connect, {
    sessionTimeout: Math.max(6000, timeoutMs * 3),
    spinDelay: 200,
    retries: 0,
  });
  let alive = true;
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
  const isNoNode = (err: unknown) => err instanceof zookeeper.Exception && err.getCode() === NO_NODE;
  return {
    get alive() {
      return alive;
    },
    close: () => client.close(),
    children: (path) =>
      new Promise((resolve, reject) =>
        client.getChildren(path, (err, children) =>
          err ? (isNoNode(err) ? resolve([]) : reject(err)) : resolve(children),
        ),
      ),
    data: (path) =>
      new Promise((resolve, reject) =>
        client.getData(path, (err, data) =>
          err ? (isNoNode(err) ? resolve(undefined) : reject(err)) : resolve(data ?? Buffer.alloc(0)),
        ),
      ),
  };
};

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
    return this.session.use(JSON.stringify({ connect, timeoutMs }), async (s) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`ZooKeeper ${connect} did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([fn(s.zk), deadline]);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
