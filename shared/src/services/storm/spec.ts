import { distributionSchema } from '../../distribution.js';
import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import type { HostRecord } from '../../domain.js';
import type { FleetContext, ValidationResult } from '../types.js';
import { hostRefSchema, nameSchema, portSchema, zodDetails } from '../../config-values.js';
import { checkYamlValue } from '../../config-chars.js';
import { checkPath, normalisePath } from '../../paths.js';
import { findHost, lookupHost } from '../hosts.js';
import { resolveZookeeperRef } from '../zookeeper-endpoints.js';
import { checkSettingKeys, scalarSettingSchema } from '../settings.js';
import { checkStormWarnings } from './warnings.js';

/** Ports from conf/defaults.yaml (service-facts §3.1). */
export const STORM_DEFAULT_PORTS = { nimbusThrift: 6627, supervisorThrift: 6628, ui: 8080 } as const;
export const STORM_DEFAULT_SLOTS = [6700, 6701, 6702, 6703] as const;

/** The fact the failover engine sets to move the active nimbus in `failover: manual` (architecture §5). */
export const ACTIVE_NIMBUS_FACT = 'storm.activeNimbus';
/**
 * The fencing epoch of a `failover: manual` cluster: a positive integer the failover engine bumps
 * with every move of the active nimbus (absent: 1). The active nimbus's agent records it in
 * ZooKeeper before starting nimbus; a nimbus whose inputs carry a lower epoch never starts.
 */
export const FENCING_EPOCH_FACT = 'storm.fencingEpoch';
/** Detection delay when the spec sets none: the active nimbus must be lost this long (architecture §9: < 15 s in all). */
export const DEFAULT_DETECT_AFTER_SEC = 5;
/**
 * Where LocalFsBlobStore keeps topology code (`blobstore.dir`, else storm.local.dir; service-facts
 * §3.3). In `failover: manual` it is the standby's source of the running topologies' code: see
 * `checkStormWarnings` (warnings.ts).
 */
export const BLOBSTORE_DIR_KEY = 'blobstore.dir';

/**
 * A storm.yaml value: a scalar, or lists and maps of values. Scheduler and metrics-consumer settings
 * are maps or lists of maps (conf/defaults.yaml: `topology.metrics.consumer.register` is a list of
 * `{class, parallelism.hint, argument}` maps, `isolation.scheduler.machines` and
 * `resource.aware.scheduler.user.pools` are maps); nested at most STORM_SETTING_DEPTH levels.
 */
export type StormSettingValue =
  string | number | boolean | StormSettingValue[] | { [key: string]: StormSettingValue };
export const settingValueSchema: z.ZodType<StormSettingValue> = z.lazy(() =>
  z.union([scalarSettingSchema, z.array(settingValueSchema), z.record(z.string(), settingValueSchema)]),
);
/** How deep lists and maps may nest in one setting (a list of maps of lists is 3). */
export const STORM_SETTING_DEPTH = 4;

export const stormSpecSchema = z
  .object({
    name: nameSchema,
    kind: z.literal('storm'),
    /** Install dir with the upstream layout (`bin/storm`). */
    distribution: distributionSchema,
    /**
     * A hactl cluster of kind zookeeper. Storm keeps its state under `storm.zookeeper.root` there,
     * by default `/<cluster name>` (the chroot convention Kafka clusters use too, so two Storm
     * clusters on one ensemble never share a leader latch); `settings` may set another root.
     */
    zookeeper: nameSchema,
    nimbus: z
      .object({
        hosts: z.array(hostRefSchema),
        /**
         * manual: the first host (or the `storm.activeNimbus` fact) runs, the others are cold
         * standbys, stopped (architecture §5). native: all run and elect a leader through ZooKeeper.
         */
        failover: z.enum(['manual', 'native']).default('manual'),
        /** manual only: the control plane fails over on its own when the active nimbus is lost (default true). */
        autoFailover: z.boolean().optional(),
        /** manual only: seconds the active nimbus must be lost (down and unreachable from its peers) before a failover. */
        detectAfterSec: z.number().int().min(1).max(600).optional(),
        port: portSchema.optional(),
      })
      .strict(),
    supervisors: z
      .object({
        hosts: z.array(hostRefSchema),
        slots: z.array(portSchema).optional(),
        thriftPort: portSchema.optional(),
      })
      .strict(),
    ui: z.object({ host: hostRefSchema, port: portSchema.optional() }).strict().optional(),
    /** storm.yaml pass-through: scalars, lists and maps (StormSettingValue); keys hactl derives are refused. */
    settings: z.record(z.string(), settingValueSchema).default({}),
  })
  .strict();

export type StormSpec = z.infer<typeof stormSpecSchema>;

/** storm.yaml keys hactl derives; setting them by hand would fight the planner. */
const MANAGED_KEYS: Record<string, string> = {
  'storm.zookeeper.servers': 'derived from the zookeeper cluster',
  'storm.zookeeper.port': "derived from the zookeeper cluster (its members' clientPort)",
  'nimbus.seeds': 'derived from nimbus.hosts and the failover mode',
  'nimbus.host': 'removed in Storm 2.x; hactl derives nimbus.seeds',
  'nimbus.thrift.port': 'set nimbus.port',
  'storm.local.hostname': 'derived from the host address',
  'supervisor.slots.ports': 'set supervisors.slots',
  'supervisor.thrift.port': 'set supervisors.thriftPort',
  'ui.port': 'set ui.port',
  'ui.host': 'derived from the host address',
};

/** Storm config names are dotted (`topology.workers`); this form is also safe as a plain YAML key. */
export const STORM_KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/;
/** A decimal SnakeYAML reads back as the same number (no exponent form). */
const PLAIN_NUMBER_RE = /^-?[0-9]+(\.[0-9]+)?$/;
// ZooKeeper refuses "." and ".." segments (PathUtils.validatePath); no segment starts with ".".
const ZNODE_PATH_RE = /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/;
/**
 * Keys Storm's Config.java declares `@IsInteger @IsPositiveNumber`; a daemon refuses to start on
 * another value (ConfigValidation). `topology.workers` in storm.yaml is the default of every
 * topology submitted to the cluster.
 */
const POSITIVE_INT_KEYS = new Set([
  'topology.workers',
  'storm.zookeeper.session.timeout',
  'storm.zookeeper.connection.timeout',
  'supervisor.heartbeat.frequency.secs',
  'nimbus.code.sync.freq.secs',
  'nimbus.supervisor.timeout.secs',
  'nimbus.task.timeout.secs',
  'nimbus.monitor.freq.secs',
  'topology.min.replication.count',
]);
/** Cluster-wide bases: each instance gets its own `<base>/<role>` below them. */
export const PATH_KEYS = new Set(['storm.local.dir', 'storm.log.dir']);

/**
 * Nimbus's RocksDB metrics store. Storm resolves a relative location (the default is `storm_rocks`)
 * under storm.home (RocksDbStore.prepare), i.e. inside the distribution, which the `storm` account
 * cannot write and every nimbus on the machine would share; hactl renders `<local dir>/storm_rocks`
 * unless the spec sets an absolute path.
 */
export const ROCKSDB_LOCATION_KEY = 'storm.metricstore.rocksdb.location';

/** storm.yaml settings that hold a path: the cluster-wide dir bases and the RocksDB metrics store. */
export function isStormPathKey(key: string): boolean {
  return PATH_KEYS.has(key) || key === ROCKSDB_LOCATION_KEY || key === BLOBSTORE_DIR_KEY;
}

/** How a `failover: manual` cluster fails over, resolved from the spec (defaults filled in). */
export interface FailoverSettings {
  mode: 'manual' | 'native';
  /** The control plane fails over on its own (manual only; false for native). */
  auto: boolean;
  /** How long the active nimbus must be lost before a failover, in ms. */
  detectAfterMs: number;
}

/** The spec's failover settings with defaults: autoFailover true for manual, detectAfterSec 5. */
export function failoverSettings(spec: StormSpec): FailoverSettings {
  const manual = spec.nimbus.failover === 'manual';
  return {
    mode: spec.nimbus.failover,
    auto: manual && (spec.nimbus.autoFailover ?? true),
    detectAfterMs: (spec.nimbus.detectAfterSec ?? DEFAULT_DETECT_AFTER_SEC) * 1000,
  };
}

/** The fencing epoch fact as a positive integer (1 when absent or unreadable). */
export function fencingEpoch(facts: Readonly<Record<string, string>> | undefined): number {
  const n = Number(facts?.[FENCING_EPOCH_FACT]);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/**
 * One daemon's dirs on its host, in normal form: `<base>/<role>` below a cluster-wide
 * storm.local.dir / storm.log.dir, else under the host's data root. The single source for
 * validation, planning and claims.
 */
export function stormDirs(
  spec: StormSpec,
  role: 'nimbus' | 'supervisor' | 'ui',
  host: HostRecord,
): { dir: string; localDir: string; logDir: string } {
  const base = (key: string): string | undefined =>
    typeof spec.settings[key] === 'string' ? spec.settings[key] : undefined;
  const dir = normalisePath(`${host.dataRoot}/storm/${spec.name}/${role}-${host.name}`);
  const localBase = base('storm.local.dir');
  const logBase = base('storm.log.dir');
  return {
    dir,
    localDir: normalisePath(localBase ? `${localBase}/${role}` : `${dir}/data`),
    logDir: normalisePath(logBase ? `${logBase}/${role}` : `${dir}/logs`),
  };
}

/**
 * JVM options the supervisor puts on worker and LogWriter command lines. A string is split on
 * whitespace with quotes kept as they are (BasicContainer.substituteChildopts: `split("\\s+")`), so
 * `-Dfoo="bar: baz"` becomes `-Dfoo="bar:` and `baz"`, and the worker JVM takes `baz"` for its main
 * class and never starts. A YAML list is taken one JVM argument per item.
 */
export const WORKER_CHILDOPTS_KEYS = new Set([
  'worker.childopts',
  'worker.gc.childopts',
  'worker.profiler.childopts',
  'topology.worker.childopts',
  'topology.worker.gc.childopts',
  'topology.worker.logwriter.childopts',
]);

/**
 * JVM options bin/storm reads for a daemon (`storm.py`: `shlex.split(confvalue(...))`): a string is
 * split like a shell, so quotes work; a list is first joined with spaces (ConfigValue), so an item
 * with a space or a quote is split again.
 */
export const DAEMON_CHILDOPTS_KEYS = new Set([
  'nimbus.childopts',
  'supervisor.childopts',
  'ui.childopts',
  'drpc.childopts',
  'logviewer.childopts',
  'pacemaker.childopts',
]);

/** The ZooKeeper ensemble a Storm cluster talks to, resolved from the referenced hactl cluster. */
export interface ResolvedZookeeper {
  servers: string[];
  port: number;
  root: string;
}

/** `storm.zookeeper.root`: the setting when it is a string, else `/<cluster name>`. */
export function stormZookeeperRoot(spec: Pick<StormSpec, 'name' | 'settings'>): string {
  const root = spec.settings['storm.zookeeper.root'];
  return typeof root === 'string' ? root : `/${spec.name}`;
}

/**
 * Resolves `spec.zookeeper` to member addresses and the shared client port. Storm has one
 * `storm.zookeeper.port` for every server (service-facts §3.1), so differing clientPorts are an error.
 */
export function resolveZookeeper(
  spec: StormSpec,
  fleet: FleetContext,
): { zk?: ResolvedZookeeper; problems: ErrorDetail[] } {
  const ref = resolveZookeeperRef(spec.zookeeper, fleet);
  if (!ref.ok) return { problems: [{ path: 'zookeeper', message: ref.problem }] };
  // Members whose host is gone are left out: Storm reaches the ensemble through the others.
  const members = ref.endpoints;
  if (members.length === 0)
    return {
      problems: [
        {
          path: 'zookeeper',
          message: `cluster ${JSON.stringify(spec.zookeeper)} has no members on known hosts`,
        },
      ],
    };
  const ports = [...new Set(members.map((m) => m.clientPort))];
  if (ports.length > 1) {
    return {
      problems: [
        {
          path: 'zookeeper',
          message: `members of ${JSON.stringify(spec.zookeeper)} use different clientPorts (${ports.join(', ')}); Storm has one storm.zookeeper.port for all servers`,
        },
      ],
    };
  }
  return {
    zk: {
      servers: members.map((m) => m.address),
      port: ports[0]!,
      root: stormZookeeperRoot(spec),
    },
    problems: [],
  };
}

/** The nimbus that runs in `failover: manual`: the fact set by the failover engine, else the first host. */
export function activeNimbusHost(
  spec: StormSpec,
  hosts: readonly HostRecord[],
  fact: string | undefined,
): HostRecord | undefined {
  const nimbus = spec.nimbus.hosts
    .map((h) => findHost(hosts, h))
    .filter((h): h is HostRecord => h !== undefined);
  return (fact ? nimbus.find((h) => h.name === fact || h.id === fact) : undefined) ?? nimbus[0];
}

function checkScalar(path: string, v: string | number | boolean): ErrorDetail[] {
  if (typeof v === 'string') return checkYamlValue(path, v);
  if (typeof v === 'number' && !(Number.isFinite(v) && PLAIN_NUMBER_RE.test(String(v))))
    return [{ path, message: 'numbers must be plain decimals (no exponent, NaN or Infinity)' }];
  return [];
}

/**
 * A setting value at any depth: scalars as checkScalar, map keys as YAML strings (rendered quoted),
 * nesting at most STORM_SETTING_DEPTH deep.
 */
function checkValue(path: string, v: StormSettingValue, depth: number): ErrorDetail[] {
  if (typeof v !== 'object') return checkScalar(path, v);
  if (depth >= STORM_SETTING_DEPTH)
    return [{ path, message: `lists and maps nest at most ${STORM_SETTING_DEPTH} levels deep` }];
  if (Array.isArray(v)) return v.flatMap((x, i) => checkValue(`${path}[${i}]`, x, depth + 1));
  return Object.entries(v).flatMap(([k, x]) => [
    ...(k === '' ? [{ path, message: 'map keys must not be empty' }] : checkYamlValue(`${path}.${k}`, k)),
    ...checkValue(`${path}.${k}`, x, depth + 1),
  ]);
}

function checkSettings(settings: Record<string, StormSettingValue>): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const rules = {
    pattern: STORM_KEY_RE,
    patternMessage:
      'setting names are dotted Storm config names (letters, digits, "_-"), like topology.workers',
    managed: MANAGED_KEYS,
  };
  for (const [key, value, path] of checkSettingKeys(settings, rules, problems)) {
    problems.push(...checkValue(path, value, 0));
    if (POSITIVE_INT_KEYS.has(key) && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      problems.push({ path, message: 'must be a positive integer' });
    }
    if (isStormPathKey(key)) {
      if (typeof value === 'string') problems.push(...checkPath(path, value));
      else problems.push({ path, message: 'must be an absolute path (a string)' });
    }
    if (WORKER_CHILDOPTS_KEYS.has(key) && typeof value === 'string' && /["']/.test(value)) {
      problems.push({
        path,
        message:
          `the supervisor splits a ${key} string on whitespace and keeps quotes (BasicContainer), ` +
          `so a quoted value would break the worker command line; ` +
          `give a list with one JVM argument per item, e.g. ["-Xmx768m", "-Dfoo=bar: baz"]`,
      });
    }
    if (DAEMON_CHILDOPTS_KEYS.has(key) && Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === 'string' && /[\s"']/.test(v)) {
          problems.push({
            path: `${path}[${i}]`,
            message:
              `bin/storm joins a ${key} list with spaces and splits it again like a shell, ` +
              `so this item would not stay one JVM argument; ` +
              `give ${key} as one string with shell quoting, e.g. "-Xmx256m '-Dfoo=bar baz'"`,
          });
        }
      });
    }
    if (key === 'storm.zookeeper.root' && !(typeof value === 'string' && ZNODE_PATH_RE.test(value))) {
      problems.push({
        path,
        message:
          'must be a znode path below / like /storm (letters, digits, "_.-"; no segment starts with ".")',
      });
    }
  }
  return problems;
}

export function validateStormSpec(raw: unknown, fleet: FleetContext): ValidationResult<StormSpec> {
  const parsed = stormSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodDetails(parsed.error) };
  const spec = parsed.data;
  const problems: ErrorDetail[] = [];

  if (spec.nimbus.hosts.length === 0)
    problems.push({ path: 'nimbus.hosts', message: 'a Storm cluster needs at least one nimbus' });
  // Workers run only in supervisors' slots: without one nothing can run, and Storm's health
  // (every supervisor registered, the UI's slotsTotal) would call such a cluster healthy.
  if (spec.supervisors.hosts.length === 0)
    problems.push({
      path: 'supervisors.hosts',
      message:
        "a Storm cluster needs at least one supervisor: topologies' workers run only in supervisor slots",
    });
  if (spec.nimbus.failover === 'native') {
    // In native mode Storm's own leader latch fails over; hactl has nothing to detect or fence.
    if (spec.nimbus.autoFailover !== undefined)
      problems.push({
        path: 'nimbus.autoFailover',
        message: 'applies to failover: manual only (in native mode Storm elects the leader itself)',
      });
    if (spec.nimbus.detectAfterSec !== undefined)
      problems.push({
        path: 'nimbus.detectAfterSec',
        message: 'applies to failover: manual only (in native mode Storm elects the leader itself)',
      });
  }
  // Hosts must be registered, once per role. Ports and directories are checked on the planned
  // instances' claims (registry.ts validateClusterSpec).
  const known = (path: string, refs: readonly string[]): void => {
    const hosts = refs.map((ref, i) => lookupHost(fleet.hosts, ref, `${path}[${i}]`, problems));
    const seen = new Map<string, number>();
    hosts.forEach((h, i) => {
      if (!h) return;
      const prev = seen.get(h.id);
      if (prev !== undefined)
        problems.push({
          path: `${path}[${i}]`,
          message: `host ${h.name} is listed twice (also ${path}[${prev}]); one instance per role per host`,
        });
      else seen.set(h.id, i);
    });
  };
  known('nimbus.hosts', spec.nimbus.hosts);
  known('supervisors.hosts', spec.supervisors.hosts);
  if (spec.ui) known('ui.host', [spec.ui.host]);
  // known() reports `ui.host[0]`; the field is a scalar.
  for (const p of problems) if (p.path === 'ui.host[0]') p.path = 'ui.host';

  const slots = spec.supervisors.slots ?? STORM_DEFAULT_SLOTS;
  const seenSlots = new Map<number, number>();
  slots.forEach((p, i) => {
    const prev = seenSlots.get(p);
    if (prev !== undefined)
      problems.push({
        path: `supervisors.slots[${i}]`,
        message: `duplicate slot port ${p} (also supervisors.slots[${prev}])`,
      });
    else seenSlots.set(p, i);
  });
  if (spec.supervisors.slots && slots.length === 0)
    problems.push({ path: 'supervisors.slots', message: 'a supervisor needs at least one slot port' });

  problems.push(...checkSettings(spec.settings));
  problems.push(...resolveZookeeper(spec, fleet).problems);

  if (problems.length) return { ok: false, problems };
  const warnings = checkStormWarnings(spec);
  return warnings.length ? { ok: true, spec, warnings } : { ok: true, spec };
}
