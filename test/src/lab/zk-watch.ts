import zookeeper from 'node-zookeeper-client';
import { fourLetter } from './four-letter.js';

/**
 * An independent ZooKeeper client and observer for membership changes (issue 10 acceptance): a
 * writer that creates one znode after another under a parent and remembers each acknowledged one,
 * and a sampler that asks every address `srvr` at each sample and counts the members that lead
 * (`Mode: leader`, or `standalone` for a one-member ensemble). Nothing here knows hactl.
 */
export interface ZkWatch {
  /** Paths whose create was acknowledged, in order. */
  readonly acked: string[];
  /** Client errors by name (CONNECTION_LOSS during an election is expected). */
  readonly errors: string[];
  /** Samples taken, samples with more than one leader (with what each address said). */
  readonly samples: number;
  readonly twoLeaders: string[];
  /** The longest run (ms) of consecutive samples with no serving leader. */
  longestNoLeaderMs(): number;
  /** Stops writing and sampling; resolves once both loops ended. */
  stop(): Promise<void>;
}

/** Connects a client to `connect` (`a:2181,b:2181`), resolving once connected. */
export async function connectZk(connect: string, timeoutMs = 30_000): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 15_000, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`no ZooKeeper session with ${connect} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
    client.connect();
  });
  return client;
}

/** Creates `path` (persistent); an existing node is fine. */
export function ensureZnode(client: zookeeper.Client, path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.create(path, (e) =>
      e && (e as zookeeper.Exception).getCode?.() !== zookeeper.Exception.NODE_EXISTS ? reject(e) : resolve(),
    ),
  );
}

/** The children of `path`. */
export function listZnodes(client: zookeeper.Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, (e, children) => (e ? reject(e) : resolve(children))),
  );
}

/** `srvr` Mode of each address: `leader`, `follower`, `standalone`, … or `-` (down or not serving). */
export async function sampleModes(addresses: readonly string[], port = 2181): Promise<string[]> {
  return Promise.all(
    addresses.map(async (a) => {
      try {
        return /^Mode: (\S+)$/m.exec(await fourLetter(a, port, 'srvr', 1000))?.[1] ?? '-';
      } catch {
        return '-';
      }
    }),
  );
}

/**
 * Starts writing znodes `<parent>/<prefix>-<n>` through `client` (one at a time, `pauseMs` apart)
 * and sampling `addresses` every `sampleMs`.
 */
export function watchZk(o: {
  /** Every address the ensemble has or will have, `a:2181,b:2181`; a new session replaces an expired one. */
  connect: string;
  parent: string;
  prefix: string;
  addresses: readonly string[];
  pauseMs?: number;
  sampleMs?: number;
}): ZkWatch {
  const acked: string[] = [];
  const errors: string[] = [];
  const twoLeaders: string[] = [];
  let samples = 0;
  let stopped = false;
  let longest = 0;
  let noLeaderSince: number | undefined;
  const writer = (async () => {
    let client = await connectZk(o.connect);
    let expired = false;
    client.once('expired', () => (expired = true));
    for (let n = 0; !stopped; n++) {
      if (expired) {
        // The session expired during an outage: what it acknowledged stays acknowledged; go on
        // with a new one (counted as an error, so the test can show it).
        errors.push('SESSION_EXPIRED');
        client.close();
        client = await connectZk(o.connect, 120_000);
        expired = false;
        client.once('expired', () => (expired = true));
      }
      const path = `${o.parent}/${o.prefix}-${n}`;
      await new Promise<void>((resolve) =>
        client.create(path, Buffer.from(String(n)), (e) => {
          if (e) errors.push(e.name ?? String(e));
          else acked.push(path);
          resolve();
        }),
      );
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 50));
    }
    client.close();
  })();
  const sampler = (async () => {
    while (!stopped) {
      const at = Date.now();
      const modes = await sampleModes(o.addresses);
      samples++;
      const leaders = modes.filter((m) => m === 'leader' || m === 'standalone').length;
      if (leaders > 1)
        twoLeaders.push(
          `${new Date(at).toISOString()} ${o.addresses.map((a, i) => `${a}=${modes[i]}`).join(' ')}`,
        );
      if (leaders === 0) noLeaderSince ??= at;
      else if (noLeaderSince !== undefined) {
        longest = Math.max(longest, at - noLeaderSince);
        noLeaderSince = undefined;
      }
      await new Promise((r) => setTimeout(r, o.sampleMs ?? 150));
    }
  })();
  return {
    acked,
    errors,
    get samples() {
      return samples;
    },
    twoLeaders,
    longestNoLeaderMs: () => Math.max(longest, noLeaderSince === undefined ? 0 : Date.now() - noLeaderSince),
    stop: async () => {
      stopped = true;
      // A create that never answers (a client waiting for a session) must not hang the test: the
      // writer's result so far is what counts.
      await Promise.race([writer, new Promise((r) => setTimeout(r, 10_000))]);
      await sampler;
    },
  };
}
