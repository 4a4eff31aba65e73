import net from 'node:net';
import { STARTUP_SUBTREES } from './cluster-state.js';
import { confNum, confStr, zkConnectString, type StormConf } from './config.js';
import { connectZk, type Zk } from './zk.js';

/** Java `Map.toString()` style, as Storm prints its conf in "Starting Nimbus with conf {...}". */
export function renderJavaMap(conf: StormConf): string {
  const fmt = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : v === null || v === undefined ? 'null' : String(v);
  return `{${Object.keys(conf)
    .sort()
    .map((k) => `${k}=${/password/i.test(k) ? '*****' : fmt(conf[k])}`)
    .join(', ')}}`;
}

/**
 * Opens the chroot session the daemons use. Like ZKStateStorage, a short-lived session first
 * creates `storm.zookeeper.root` itself, then the chroot session creates the standard subtrees
 * (StormClusterStateImpl).
 */
export async function openClusterSession(conf: StormConf, onExpired: () => void): Promise<Zk> {
  const timeout = confNum(conf, 'storm.zookeeper.session.timeout');
  const root = confStr(conf, 'storm.zookeeper.root');
  if (root !== '/') {
    const bare = await connectZk(zkConnectString(conf, false), timeout, () => undefined);
    try {
      await bare.mkdirs(root);
    } finally {
      bare.close();
    }
  }
  const zk = await connectZk(zkConnectString(conf, true), timeout, onExpired);
  for (const p of STARTUP_SUBTREES) await zk.mkdirs(p);
  return zk;
}

/** Resolves false when host:port cannot be bound (used for the start-up port checks). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const tracked = new WeakMap<net.Server, Set<net.Socket>>();

/** Remembers open connections so a shutdown does not wait for idle clients. */
export function trackConnections<S extends net.Server>(server: S): S {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  tracked.set(server, sockets);
  return server;
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of tracked.get(server) ?? []) s.destroy();
  });
}
