import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './fleet.js';

/**
 * Where the real distributions are: `scripts/setup.sh` assembles Kafka 3.9 and 4.x, Storm and
 * Elasticsearch from Maven Central into `.dist/` and lists them in `.dist/env` (`KEY=/abs/path`, one
 * per line). An environment variable of the same name wins, so a user's own unpacked tarballs can
 * be tested instead. ZooKeeper is Debian's package.
 */
export interface DistHomes {
  zookeeper: string;
  /** Kafka 3.9.x: the last line with ZooKeeper mode. */
  kafka: string;
  /** Kafka 4.x: KRaft only. */
  kafka4: string;
  storm: string;
  elasticsearch: string;
  /** The project's own Storm topology jar (a spout and a counting bolt). */
  stormTopologyJar: string;
}

const KEYS = {
  kafka: 'KAFKA_HOME',
  kafka4: 'KAFKA4_HOME',
  storm: 'STORM_HOME',
  elasticsearch: 'ES_HOME',
  stormTopologyJar: 'STORM_TOPOLOGY_JAR',
} as const;

/** Parses `.dist/env` text; throws on a line that is not `KEY=/absolute/path`. */
export function parseDistEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=(\/.*)$/.exec(line);
    if (!m)
      throw new Error(`.dist/env line ${i + 1}: expected KEY=/absolute/path, got ${JSON.stringify(line)}`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * One distribution to test against. Throws, naming what to run, when it is missing: every e2e test
 * runs on the real services, so a missing assembly is an error, not a reason to skip.
 */
export function distHome(
  name: keyof DistHomes,
  env: Record<string, string | undefined> = process.env,
): string {
  if (name === 'zookeeper') return env.ZK_HOME ?? '/usr/share/zookeeper';
  const key = KEYS[name];
  const file = path.join(REPO_ROOT, '.dist/env');
  const listed = fs.existsSync(file) ? parseDistEnv(fs.readFileSync(file, 'utf8')) : {};
  const v = env[key] ?? listed[key];
  if (!v || !fs.existsSync(v))
    throw new Error(
      `${key} ${v ? `(${v}) does not exist` : 'is not set'}: run scripts/setup.sh to assemble the distributions into .dist/`,
    );
  return v;
}

/** Every distribution (see distHome). */
export function distHomes(env: Record<string, string | undefined> = process.env): DistHomes {
  const names = ['zookeeper', 'kafka', 'kafka4', 'storm', 'elasticsearch', 'stormTopologyJar'] as const;
  return Object.fromEntries(names.map((n) => [n, distHome(n, env)])) as unknown as DistHomes;
}

/**
 * JVM flags for lab members that start and stop often on the 2-core test machine: C1 only and the
 * serial collector. One Elasticsearch 8.19 node took 7.4-8.1 s of CPU to start with them against
 * 11.8-13.6 s with the distribution's G1 and C2 (measured alone, 256 MB heap); the suite starts
 * dozens of such JVMs. kafka.test.ts leaves them out on purpose, to run Kafka's own defaults;
 * `scripts/demo.sh` runs every service with its distribution's defaults.
 */
export const LAB_JVM_FLAGS: readonly string[] = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
