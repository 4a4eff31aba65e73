import zookeeper from 'node-zookeeper-client';

/** Promise wrappers over node-zookeeper-client, with every path under a chroot prefix. */
export type ZkClient = zookeeper.Client;
export type Watcher = (event: zookeeper.Event) => void;

export const NO_NODE = zookeeper.Exception.NO_NODE;
export const NODE_EXISTS = zookeeper.Exception.NODE_EXISTS;
export const BAD_VERSION = zookeeper.Exception.BAD_VERSION;

export function zkErrorCode(err: unknown): number | undefined {
  return err instanceof zookeeper.Exception ? err.getCode() : undefined;
}

export function connectZk(connect: string, sessionTimeoutMs: number, timeoutMs: number): Promise<ZkClient> {
  const client = zookeeper.createClient(connect, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 1 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`Timed out waiting for connection while in state: CONNECTING`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

export class Zk {
  constructor(
    readonly client: ZkClient,
    readonly root: string,
  ) {}

  abs(p: string): string {
    return `${this.root}${p}`;
  }

  /** The session id as Kafka prints it (a decimal long). */
  sessionId(): string {
    return BigInt(`0x${this.client.getSessionId().toString('hex')}`).toString();
  }

  getData(p: string, watcher?: Watcher): Promise<{ data: Buffer | undefined; version: number; ephemeralOwner: string } | undefined> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null, data: Buffer, stat: zookeeper.Stat): void => {
        if (err) {
          if (zkErrorCode(err) === NO_NODE) resolve(undefined);
          else reject(err);
        } else resolve({ data: data ?? undefined, version: stat.version, ephemeralOwner: BigInt(`0x${stat.ephemeralOwner.toString('hex')}`).toString() });
      };
      if (watcher) this.client.getData(this.abs(p), watcher, cb);
      else this.client.getData(this.abs(p), cb);
    });
  }

  getChildren(p: string, watcher?: Watcher): Promise<string[] | undefined> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null, children: string[]): void => {
        if (err) {
          if (zkErrorCode(err) === NO_NODE) resolve(undefined);
          else reject(err);
        } else resolve(children);
      };
      if (watcher) this.client.getChildren(this.abs(p), watcher, cb);
      else this.client.getChildren(this.abs(p), cb);
    });
  }

  exists(p: string, watcher?: Watcher): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null, stat: zookeeper.Stat): void => {
        if (err) reject(err);
        else resolve(!!stat);
      };
      if (watcher) this.client.exists(this.abs(p), watcher, cb);
      else this.client.exists(this.abs(p), cb);
    });
  }

  /** Creates the node; resolves false when it already exists. */
  create(p: string, data: Buffer | undefined, mode: number = zookeeper.CreateMode.PERSISTENT): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const cb = (err: Error | zookeeper.Exception | null): void => {
        if (!err) resolve(true);
        else if (zkErrorCode(err) === NODE_EXISTS) resolve(false);
        else reject(err);
      };
      // Without data the node is created empty, as Kafka's top-level paths are (default ACL: open).
      if (data) this.client.create(this.abs(p), data, mode, cb);
      else this.client.create(this.abs(p), mode, cb);
    });
  }

  createEphemeral(p: string, data: Buffer): Promise<boolean> {
    return this.create(p, data, zookeeper.CreateMode.EPHEMERAL);
  }

  mkdirp(p: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.mkdirp(this.abs(p), (err) => (err ? reject(err) : resolve()));
    });
  }

  setData(p: string, data: Buffer, version = -1): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.setData(this.abs(p), data, version, (err, stat) => (err ? reject(err) : resolve(stat.version)));
    });
  }

  remove(p: string, version = -1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.remove(this.abs(p), version, (err) => {
        if (!err || zkErrorCode(err) === NO_NODE) resolve();
        else reject(err);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
