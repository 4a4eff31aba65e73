import type { StormAgentInputs } from './inputs.js';

/** The few read calls the probes make, promisified over one short session. */
export interface ZkReader {
  /** Children of a chroot-relative path; [] when the path does not exist yet. */
  children(path: string): Promise<string[]>;
  /** Data of a node; undefined when it vanished between listing and reading. */
  data(path: string): Promise<Buffer | undefined>;
}

/** `h1:2181,h2:2181/root`: Storm's root is a chroot (service-facts §3.1, CuratorUtils.newCurator). */
export function stormConnectString(zk: StormAgentInputs['zookeeper']): string {
  return `${zk.servers.map((s) => `${s}:${zk.port}`).join(',')}${zk.root}`;
}

/**
 * Opens a short ZooKeeper session, runs `fn`, and closes the session whatever happens. The client
 * library loads only when a Storm probe runs (service-kinds.md). A session that cannot connect
 * within `timeoutMs` fails the call instead of retrying forever.
 */
export async function withZk<T>(
  connect: string,
  timeoutMs: number,
  fn: (zk: ZkReader) => Promise<T>,
): Promise<T> {
  const { default: zookeeper } = await import('node-zookeeper-client');
  const NO_NODE = zookeeper.Exception.NO_NODE;
  const client = zookeeper.createClient(connect, {
    sessionTimeout: Math.max(4000, timeoutMs * 2),
    spinDelay: 200,
    retries: 0,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`ZooKeeper ${connect} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    client.connect();
    await Promise.race([connected, deadline]);
    const isNoNode = (err: unknown) => err instanceof zookeeper.Exception && err.getCode() === NO_NODE;
    const reader: ZkReader = {
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
    return await Promise.race([fn(reader), deadline]);
  } finally {
    if (timer) clearTimeout(timer);
    client.close();
  }
}
