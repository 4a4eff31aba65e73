import zookeeper from 'node-zookeeper-client';

/** Promise wrapper over node-zookeeper-client with the few operations Storm's daemons use. */
export interface Zk {
  readonly client: zookeeper.Client;
  create(path: string, data: Buffer, mode: number): Promise<string>;
  /** Creates or overwrites (ClientZookeeper.createNode / setData as StormClusterStateImpl does). */
  setEphemeral(path: string, data: Buffer): Promise<void>;
  getChildren(path: string, watcher?: (e: zookeeper.Event) => void): Promise<string[]>;
  getData(path: string, watcher?: (e: zookeeper.Event) => void): Promise<Buffer | undefined>;
  remove(path: string): Promise<void>;
  /** ClientZookeeper.mkdirs: every missing component is persistent with data `[7]`. */
  mkdirs(path: string): Promise<void>;
  close(): void;
}

export const isNoNode = (err: unknown): boolean =>
  err instanceof zookeeper.Exception && err.getCode() === zookeeper.Exception.NO_NODE;
export const isNodeExists = (err: unknown): boolean =>
  err instanceof zookeeper.Exception && err.getCode() === zookeeper.Exception.NODE_EXISTS;

export const CreateMode = zookeeper.CreateMode;
export const ZkEvent = zookeeper.Event;

export function wrapClient(client: zookeeper.Client): Zk {
  const zk: Zk = {
    client,
    create: (path, data, mode) =>
      new Promise((resolve, reject) =>
        client.create(path, data, mode, (err, p) => (err ? reject(err) : resolve(p))),
      ),
    async setEphemeral(path, data) {
      try {
        await zk.create(path, data, CreateMode.EPHEMERAL);
      } catch (err) {
        if (!isNodeExists(err)) throw err;
        await new Promise<void>((resolve, reject) =>
          client.setData(path, data, (e) => (e ? reject(e) : resolve())),
        );
      }
    },
    getChildren: (path, watcher) =>
      new Promise((resolve, reject) => {
        const cb = (err: Error | zookeeper.Exception | null, children: string[]): void =>
          err ? reject(err) : resolve(children);
        if (watcher) client.getChildren(path, watcher, cb);
        else client.getChildren(path, cb);
      }),
    getData: (path, watcher) =>
      new Promise((resolve, reject) => {
        const cb = (err: Error | zookeeper.Exception | null, data: Buffer): void => {
          if (err) {
            if (isNoNode(err)) resolve(undefined);
            else reject(err);
          } else resolve(data ?? Buffer.alloc(0));
        };
        if (watcher) client.getData(path, watcher, cb);
        else client.getData(path, cb);
      }),
    remove: (path) =>
      new Promise((resolve, reject) =>
        client.remove(path, (err) => (err && !isNoNode(err) ? reject(err) : resolve())),
      ),
    async mkdirs(path) {
      const parts = path.split('/').filter(Boolean);
      let cur = '';
      for (const p of parts) {
        cur += `/${p}`;
        try {
          await zk.create(cur, Buffer.from([7]), CreateMode.PERSISTENT);
        } catch (err) {
          if (!isNodeExists(err)) throw err;
        }
      }
    },
    close: () => client.close(),
  };
  return zk;
}

/**
 * Connects and resolves once the session is established. node-zookeeper-client keeps retrying the
 * ensemble, as Curator does; `onExpired` fires when the session is lost for good.
 */
export function connectZk(
  connectString: string,
  sessionTimeoutMs: number,
  onExpired: () => void,
): Promise<Zk> {
  const client = zookeeper.createClient(connectString, {
    sessionTimeout: sessionTimeoutMs,
    spinDelay: 200,
    retries: 1,
  });
  return new Promise((resolve) => {
    client.once('connected', () => resolve(wrapClient(client)));
    client.on('expired', onExpired);
    client.connect();
  });
}
