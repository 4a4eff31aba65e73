import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../lab/fleet.js';
import { LAB_JVM_FLAGS, distHomes } from '../lab/dist.js';

/** The seed topology's hosts, in the order they are started. */
export const SEED_HOSTS = [
  'zk1',
  'zk2',
  'zk3',
  'kafka1',
  'kafka2',
  'kafka3',
  'storm1',
  'storm2',
  'storm3',
  'storm4',
  'es1',
  'es2',
  'es3',
  'es4',
  'es5',
] as const;

/** Host number of a seed host inside its /24: zk .11-13, kafka .21-23, storm .31-34, es .41-45. */
export function seedHostNumber(host: string): number {
  const m = /^(zk|kafka|storm|es)(\d)$/.exec(host);
  if (!m) throw new Error(`not a seed host: ${host}`);
  const base = { zk: 10, kafka: 20, storm: 30, es: 40 }[m[1] as 'zk' | 'kafka' | 'storm' | 'es'];
  return base + Number(m[2]);
}

/** Address of a seed host inside a /24 prefix such as "10.77.1". */
export function seedAddress(prefix: string, host: string): string {
  return `${prefix}.${seedHostNumber(host)}`;
}

/**
 * Where a seed host lives:
 * - `namespace`: Storm hosts get a network namespace of their own (nimbus, supervisor and workers
 *   bind every interface on fixed ports, so two Storm hosts cannot share a kernel; lab/netns.ts);
 * - `bridge`: ZooKeeper hosts are addresses on the lab bridge, so the namespaced Storm hosts reach them;
 * - `loopback`: Kafka and Elasticsearch hosts keep 127.0.0.0/8 addresses. Elasticsearch enforces its
 *   bootstrap checks on any other address (65535 open files, vm.max_map_count 262144), and this
 *   machine's hard open-file limit is 20000, which even root cannot raise here.
 */
export function seedHostPlacement(host: string): 'namespace' | 'bridge' | 'loopback' {
  if (host.startsWith('storm')) return 'namespace';
  if (host.startsWith('zk')) return 'bridge';
  return 'loopback';
}

export interface SandboxHomes {
  zookeeper: string;
  kafka: string;
  storm: string;
  elasticsearch: string;
}

/** The real distributions: Debian's ZooKeeper and the assemblies listed in .dist/env. */
export function sandboxHomes(env: Record<string, string | undefined>): SandboxHomes {
  const d = distHomes(env);
  return { zookeeper: d.zookeeper, kafka: d.kafka, storm: d.storm, elasticsearch: d.elasticsearch };
}

/**
 * deploy/examples/seed-topology.yaml as the sandbox and the e2e test apply it: distribution homes
 * replaced, and sizes for 15 "servers" on one 2-core, 24 GB machine, set through the specs as a user
 * would (never by editing the distributions): ZooKeeper 128 MB heaps, Kafka 256 MB, Storm daemons
 * 256 MB and workers 192 MB, Elasticsearch 384 MB. `fast` adds lab timings (short ZooKeeper ticks and
 * sessions) so failures are noticed within seconds, and the lab's light JVM flags (LAB_JVM_FLAGS) for
 * Kafka, Storm and Elasticsearch: the e2e runs this beside other labs on the suite's 2 cores.
 */
export function loadSeedTopology(
  homes: SandboxHomes,
  opts: { fast?: boolean } = {},
): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'deploy/examples/seed-topology.yaml'), 'utf8');
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
  return docs.map((doc) => {
    const kind = doc.kind as keyof SandboxHomes;
    const settings = (doc.settings as Record<string, unknown> | undefined) ?? {};
    const out: Record<string, unknown> = { ...doc, distribution: { home: homes[kind] } };
    if (kind === 'zookeeper') {
      out.jvm = { heap: '128m', flags: ['-XX:+UseSerialGC'] };
      if (opts.fast) out.settings = { ...settings, tickTime: 500, initLimit: 20, syncLimit: 10 };
    }
    if (kind === 'kafka') {
      out.jvm = { heap: '256m', ...(opts.fast ? { flags: [...LAB_JVM_FLAGS] } : {}) };
      if (opts.fast) out.settings = { ...settings, 'zookeeper.session.timeout.ms': 6000 };
    }
    if (kind === 'storm') {
      const light = opts.fast ? LAB_JVM_FLAGS : [];
      // The assembled Storm has no UI (org.apache.storm:storm-webapp is not published on Maven
      // Central), so the sandbox runs the seed topology without one; an upstream tarball has it.
      delete out.ui;
      out.settings = {
        ...settings,
        'nimbus.childopts': ['-Xmx256m', ...light].join(' '),
        'supervisor.childopts': ['-Xmx256m', ...light].join(' '),
        'ui.childopts': '-Xmx256m',
        'worker.childopts': ['-Xmx192m', ...light].join(' '),
        ...(opts.fast ? { 'storm.zookeeper.session.timeout': 6000 } : {}),
      };
    }
    if (kind === 'elasticsearch') {
      out.heap = '384m';
      if (opts.fast) out.jvm = { flags: [...LAB_JVM_FLAGS] };
    }
    return out;
  });
}
