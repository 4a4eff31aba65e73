import { distributionSchema } from '../../distribution.js';
import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import type { FleetContext, ValidationResult } from '../types.js';
import type { HostRecord } from '../../domain.js';
import {
  absPathSchema,
  hostRefSchema,
  nameSchema,
  portSchema,
  zodDetails,
  jvmSchema,
} from '../../config-values.js';
import { checkPropertiesValue } from '../../config-chars.js';
import { checkPath, normalisePath } from '../../paths.js';
import { lookupHost } from '../hosts.js';
import { checkNonNegativeInt, checkSettingKeys, scalarSettingSchema } from '../settings.js';
import { resolveZookeeperRef } from '../zookeeper-endpoints.js';

export const KAFKA_DEFAULT_PORTS = { broker: 9092, controller: 9093 } as const;

/** `reserved.broker.max.id` default: a configured ZK-mode broker.id must be 0..this (service-facts §2.1). */
export const RESERVED_BROKER_MAX_ID = 1000;

export type KafkaRole = 'broker' | 'controller';

const RACK_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A ZooKeeper chroot: absolute, znode-safe segments, no trailing slash. */
const CHROOT_RE = /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/;

const brokerSchema = z
  .object({
    host: hostRefSchema,
    /** `broker.id` (ZooKeeper mode) or `node.id` (KRaft). */
    id: z.number().int('must be an integer'),
    rack: z
      .string()
      .regex(RACK_RE, 'must be 1-64 letters, digits or "._-", starting with a letter or digit')
      .optional(),
    /** PLAINTEXT listener port (broker role). */
    port: portSchema.optional(),
    /** CONTROLLER listener port (KRaft controller role). */
    controllerPort: portSchema.optional(),
    logDirs: z.array(absPathSchema).min(1, 'needs at least one directory').optional(),
    /** KRaft only: `process.roles`. */
    roles: z
      .array(z.enum(['broker', 'controller']))
      .min(1, 'needs at least one role')
      .optional(),
  })
  .strict();

export const kafkaSpecSchema = z
  .object({
    name: nameSchema,
    kind: z.literal('kafka'),
    distribution: distributionSchema,
    mode: z.enum(['zookeeper', 'kraft']).default('zookeeper'),
    /** ZooKeeper mode: name of a hactl zookeeper cluster. */
    zookeeper: nameSchema.optional(),
    /** ZooKeeper mode: chroot for the cluster's znodes; `/<cluster name>` unless set. */
    chroot: z
      .string()
      .regex(CHROOT_RE, 'must be an absolute znode path like /kafka-main (letters, digits, "._-")')
      .optional(),
    brokers: z.array(brokerSchema),
    /** server.properties pass-through (keys hactl derives itself are refused). */
    settings: z.record(z.string(), scalarSettingSchema).default({}),
    jvm: jvmSchema.optional(),
  })
  .strict();

export type KafkaSpec = z.infer<typeof kafkaSpecSchema>;
export type KafkaBrokerSpec = z.infer<typeof brokerSchema>;

/** server.properties keys hactl derives; setting them by hand would fight the planner. */
const MANAGED_KEYS: Record<string, string> = {
  'broker.id': 'set brokers[].id',
  'node.id': 'set brokers[].id',
  'process.roles': 'set brokers[].roles',
  listeners: 'derived from the host address and brokers[].port / controllerPort',
  'advertised.listeners': 'derived from the host address and brokers[].port',
  'listener.security.protocol.map': 'derived (PLAINTEXT, plus CONTROLLER in KRaft mode)',
  'inter.broker.listener.name': 'derived (PLAINTEXT)',
  'controller.listener.names': 'derived (CONTROLLER in KRaft mode)',
  'controller.quorum.voters': 'derived from the brokers with the controller role',
  'controller.quorum.bootstrap.servers': 'hactl renders a static quorum (controller.quorum.voters)',
  'zookeeper.connect': 'derived from the referenced zookeeper cluster and chroot',
  'log.dirs': 'set brokers[].logDirs',
  'log.dir': 'set brokers[].logDirs',
  'metadata.log.dir': 'the first of brokers[].logDirs',
  'broker.rack': 'set brokers[].rack',
  port: 'removed upstream; set brokers[].port',
  'host.name': 'removed upstream; derived from the host address',
  'advertised.host.name': 'removed upstream; derived from the host address',
  'advertised.port': 'removed upstream; set brokers[].port',
};

/** Settings whose value is a replication factor: each must be ≤ the number of brokers. */
export const REPLICATION_FACTOR_KEYS = [
  'default.replication.factor',
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
] as const;

const INT_KEYS = new Set<string>([
  ...REPLICATION_FACTOR_KEYS,
  'min.insync.replicas',
  'transaction.state.log.min.isr',
  'num.partitions',
  'num.network.threads',
  'num.io.threads',
  'num.recovery.threads.per.data.dir',
  'log.retention.hours',
  'log.segment.bytes',
  'zookeeper.session.timeout.ms',
  'zookeeper.connection.timeout.ms',
  'offsets.topic.num.partitions',
]);

/**
 * server.properties settings that hold a path: the key and trust store files
 * (`ssl.keystore.location`, `listener.name.<l>.ssl.truststore.location`, `zookeeper.ssl.*.location`).
 * The log dirs are brokers[].logDirs (`log.dir`, `log.dirs` and `metadata.log.dir` are managed).
 */
export function isKafkaPathKey(key: string): boolean {
  return key.endsWith('.location');
}

export interface ResolvedBroker {
  host: HostRecord;
  id: number;
  roles: KafkaRole[];
  /** PLAINTEXT port; undefined on a KRaft controller-only node. */
  port: number | undefined;
  /** CONTROLLER port; undefined unless the node is a KRaft controller. */
  controllerPort: number | undefined;
  rack: string | undefined;
  logDirs: string[];
}

/** Roles in canonical order (`broker,controller`), deduplicated. */
export function normaliseRoles(spec: KafkaSpec, b: KafkaBrokerSpec): KafkaRole[] {
  if (spec.mode === 'zookeeper') return ['broker'];
  const set = new Set(b.roles ?? []);
  return (['broker', 'controller'] as const).filter((r) => set.has(r));
}

/** The broker's ports, roles and dirs after defaults, dirs in normal form; the single source for validation and planning. */
export function resolveBroker(spec: KafkaSpec, b: KafkaBrokerSpec, host: HostRecord): ResolvedBroker {
  const roles = normaliseRoles(spec, b);
  return {
    host,
    id: b.id,
    roles,
    port: roles.includes('broker') ? (b.port ?? KAFKA_DEFAULT_PORTS.broker) : undefined,
    controllerPort: roles.includes('controller')
      ? (b.controllerPort ?? KAFKA_DEFAULT_PORTS.controller)
      : undefined,
    rack: b.rack,
    logDirs: (b.logDirs ?? [`${host.dataRoot}/kafka/${spec.name}/${b.id}/data`]).map(normalisePath),
  };
}

/** A setting as an integer, or undefined when unset or not an integer. */
export function intSetting(settings: KafkaSpec['settings'], key: string): number | undefined {
  const v = settings[key];
  if (v === undefined) return undefined;
  const s = String(v);
  return /^-?[0-9]+$/.test(s) ? Number(s) : undefined;
}

export function validateKafkaSpec(raw: unknown, fleet: FleetContext): ValidationResult<KafkaSpec> {
  const parsed = kafkaSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodDetails(parsed.error) };
  const spec = parsed.data;
  const problems: ErrorDetail[] = [];
  const warnings: ErrorDetail[] = [];
  const kraft = spec.mode === 'kraft';

  // Cluster reference: ZooKeeper mode needs a hactl zookeeper cluster; KRaft has none.
  if (kraft) {
    if (spec.zookeeper !== undefined)
      problems.push({
        path: 'zookeeper',
        message: 'KRaft mode runs without ZooKeeper; remove "zookeeper" or use mode: zookeeper',
      });
    if (spec.chroot !== undefined)
      problems.push({ path: 'chroot', message: 'a chroot only applies in ZooKeeper mode' });
  } else if (spec.zookeeper === undefined) {
    problems.push({
      path: 'zookeeper',
      message: 'is required in ZooKeeper mode (the name of a zookeeper cluster)',
    });
  } else {
    const ref = resolveZookeeperRef(spec.zookeeper, fleet);
    if (!ref.ok) problems.push({ path: 'zookeeper', message: ref.problem });
  }

  // Brokers: ids, roles, per-mode fields.
  const n = spec.brokers.length;
  if (n === 0) problems.push({ path: 'brokers', message: 'a cluster needs at least one broker' });
  const maxId = intSetting(spec.settings, 'reserved.broker.max.id') ?? RESERVED_BROKER_MAX_ID;
  const seenIds = new Map<number, number>();
  let controllers = 0;
  let brokerRoles = 0;
  spec.brokers.forEach((b, i) => {
    const p = `brokers[${i}]`;
    if (kraft) {
      if (b.id < 0) problems.push({ path: `${p}.id`, message: `node.id ${b.id} must be ≥ 0` });
    } else if (b.id < 0 || b.id > maxId) {
      // Configured ids above reserved.broker.max.id collide with generated ones (service-facts §2.1).
      problems.push({
        path: `${p}.id`,
        message: `broker.id ${b.id} is outside 0-${maxId} (reserved.broker.max.id)`,
      });
    }
    const prev = seenIds.get(b.id);
    if (prev !== undefined)
      problems.push({ path: `${p}.id`, message: `duplicate id ${b.id} (also brokers[${prev}].id)` });
    else seenIds.set(b.id, i);

    if (!kraft) {
      if (b.roles !== undefined)
        problems.push({
          path: `${p}.roles`,
          message: 'roles only apply in KRaft mode (every ZooKeeper-mode node is a broker)',
        });
      if (b.controllerPort !== undefined)
        problems.push({ path: `${p}.controllerPort`, message: 'controllerPort only applies in KRaft mode' });
      brokerRoles++;
      return;
    }
    if (b.roles === undefined) {
      problems.push({
        path: `${p}.roles`,
        message: 'is required in KRaft mode: [broker], [controller] or [broker, controller]',
      });
      return;
    }
    if (new Set(b.roles).size !== b.roles.length)
      problems.push({ path: `${p}.roles`, message: 'lists a role twice' });
    const isBroker = b.roles.includes('broker');
    const isController = b.roles.includes('controller');
    if (isBroker) brokerRoles++;
    if (isController) controllers++;
    if (!isController && b.controllerPort !== undefined)
      problems.push({
        path: `${p}.controllerPort`,
        message: 'only a node with the controller role has a controller listener',
      });
    // A controller-only node's listeners may contain only controller listeners (service-facts §2.3).
    if (!isBroker && b.port !== undefined)
      problems.push({
        path: `${p}.port`,
        message: 'a controller-only node has no broker listener; set controllerPort',
      });
    if (!isBroker && b.rack !== undefined)
      problems.push({ path: `${p}.rack`, message: 'broker.rack only applies to nodes with the broker role' });
  });
  if (kraft && n > 0) {
    // Raft needs a majority of voters: an even quorum tolerates no more failures than the next smaller odd one.
    if (controllers === 0)
      problems.push({ path: 'brokers', message: 'KRaft needs at least one node with the controller role' });
    else if (controllers % 2 === 0)
      problems.push({
        path: 'brokers',
        message: `${controllers} controllers is an even quorum: it tolerates no more failures than ${controllers - 1}; use an odd number`,
      });
    if (brokerRoles === 0)
      problems.push({ path: 'brokers', message: 'KRaft needs at least one node with the broker role' });
  }

  // Settings: keys, managed keys, values safe for one properties line.
  const settingRules = {
    managed: MANAGED_KEYS,
    refuse: (key: string) =>
      kraft && key.startsWith('zookeeper.') ? 'ZooKeeper settings do not apply in KRaft mode' : undefined,
  };
  for (const [key, value, path] of checkSettingKeys(spec.settings, settingRules, problems)) {
    const str = String(value);
    problems.push(...checkPropertiesValue(path, str));
    if (isKafkaPathKey(key)) problems.push(...checkPath(path, str));
    if (INT_KEYS.has(key)) problems.push(...checkNonNegativeInt(path, value));
  }

  // Replication factors against the number of brokers, and min.insync.replicas against them.
  for (const key of REPLICATION_FACTOR_KEYS) {
    const rf = intSetting(spec.settings, key);
    if (rf === undefined) continue;
    if (rf < 1) problems.push({ path: `settings.${key}`, message: 'must be at least 1' });
    else if (n > 0 && rf > brokerRoles)
      problems.push({
        path: `settings.${key}`,
        message: `replication factor ${rf} is more than the ${brokerRoles} broker${brokerRoles === 1 ? '' : 's'}`,
      });
  }
  checkMinIsr(spec, 'min.insync.replicas', 'default.replication.factor', 1, problems, warnings);
  checkMinIsr(
    spec,
    'transaction.state.log.min.isr',
    'transaction.state.log.replication.factor',
    3,
    problems,
    warnings,
  );

  // Hosts must be registered. Ports and directories are checked on the planned instances' claims (registry.ts validateClusterSpec).
  // Log dirs must not nest either: Kafka refuses to start when a log dir holds a directory that is
  // not a partition (LogManager.loadLogs).
  spec.brokers.forEach((b, i) => lookupHost(fleet.hosts, b.host, `brokers[${i}].host`, problems));

  if (problems.length) return { ok: false, problems };
  return warnings.length ? { ok: true, spec, warnings } : { ok: true, spec };
}

/**
 * `min.insync.replicas` above the replication factor makes every acks=all write fail; equal to it
 * means a single broker down blocks acks=all writes, and the agent's stop gate (agent
 * services/kafka/stop-gate.ts) refuses to stop any broker holding such a partition, so a rolling
 * restart pauses at its first broker (allowed, as Kafka allows it, but warned of with what to change).
 */
function checkMinIsr(
  spec: KafkaSpec,
  minKey: string,
  rfKey: string,
  rfDefault: number,
  problems: ErrorDetail[],
  warnings: ErrorDetail[],
): void {
  const min = intSetting(spec.settings, minKey);
  if (min === undefined) return;
  const rf = intSetting(spec.settings, rfKey) ?? rfDefault;
  const path = `settings.${minKey}`;
  if (min < 1) problems.push({ path, message: 'must be at least 1' });
  else if (min > rf)
    problems.push({
      path,
      message: `${minKey} ${min} is more than ${rfKey} ${rf}: acks=all writes would always fail`,
    });
  else if (min === rf && rf > 1)
    warnings.push({
      path,
      message:
        `${minKey} equals ${rfKey} (${rf}): one broker down blocks acks=all writes, and no broker ` +
        `holding such a partition can be restarted: hactl stops a broker only while each of its ` +
        `partitions keeps ${minKey} in-sync replicas without it, so rollouts of this cluster pause ` +
        `at their first broker. Use ${minKey} ${rf - 1} or ${rfKey} ${rf + 1}`,
    });
}
