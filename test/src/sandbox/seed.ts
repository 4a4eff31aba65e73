import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../lab/fleet.js';

/** The seed topology's hosts, in the order they are started. */
export const SEED_HOSTS = ['zk1', 'zk2', 'zk3', 'kafka1', 'kafka2', 'kafka3', 'storm1', 'storm2', 'storm3', 'storm4', 'es1', 'es2', 'es3', 'es4', 'es5'] as const;

/** Loopback address of a seed host inside a /24 prefix such as "127.0.0": zk .11-13, kafka .21-23, storm .31-34, es .41-45. */
export function seedAddress(prefix: string, host: string): string {
  const m = /^(zk|kafka|storm|es)(\d)$/.exec(host);
  if (!m) throw new Error(`not a seed host: ${host}`);
  const base = { zk: 10, kafka: 20, storm: 30, es: 40 }[m[1] as 'zk' | 'kafka' | 'storm' | 'es'];
  return `${prefix}.${base + Number(m[2])}`;
}

export interface SandboxHomes {
  zookeeper: string;
  kafka: string;
  storm: string;
  elasticsearch: string;
}

/** Real distributions when KAFKA_HOME / STORM_HOME / ES_HOME / ZK_HOME are set, the emulators otherwise. */
export function sandboxHomes(env: Record<string, string | undefined>): SandboxHomes {
  return {
    zookeeper: env.ZK_HOME ?? '/usr/share/zookeeper',
    kafka: env.KAFKA_HOME ?? path.join(REPO_ROOT, 'test/emulators/kafka'),
    storm: env.STORM_HOME ?? path.join(REPO_ROOT, 'test/emulators/storm'),
    elasticsearch: env.ES_HOME ?? path.join(REPO_ROOT, 'test/emulators/elasticsearch'),
  };
}

/**
 * deploy/examples/seed-topology.yaml as the sandbox and the e2e test apply it: distribution homes
 * replaced, and lab timings (short ZooKeeper ticks, small heaps) so 15 "servers" fit on 2 cores.
 */
export function loadSeedTopology(homes: SandboxHomes, opts: { fast?: boolean } = {}): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'deploy/examples/seed-topology.yaml'), 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
  return docs.map((doc) => {
    const kind = doc.kind as keyof SandboxHomes;
    const out: Record<string, unknown> = { ...doc, distribution: { home: homes[kind] } };
    if (opts.fast) {
      if (kind === 'zookeeper') {
        out.settings = { ...(doc.settings as object), tickTime: 500, initLimit: 20, syncLimit: 10 };
        out.jvm = { heap: '128m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] };
      }
      if (kind === 'kafka') out.settings = { ...(doc.settings as object), 'zookeeper.session.timeout.ms': 6000 };
      if (kind === 'storm') out.settings = { ...((doc.settings as object | undefined) ?? {}), 'storm.zookeeper.session.timeout': 6000 };
    }
    return out;
  });
}
