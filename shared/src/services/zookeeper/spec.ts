import { packageSchema } from '../../distribution.js';
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

export const ZK_DEFAULT_PORTS = { client: 2181, peer: 2888, election: 3888, admin: 8080 } as const;

const memberSchema = z
  .object({
    host: hostRefSchema,
    id: z.number().int('must be an integer'),
    clientPort: portSchema.optional(),
    peerPort: portSchema.optional(),
    electionPort: portSchema.optional(),
    /** AdminServer port on the member's address; 0 turns the AdminServer off. */
    adminPort: z.number().int().min(0).max(65535).optional(),
    dataDir: absPathSchema.optional(),
  })
  .strict();

/**
 * Logging knobs. Sizes use logback's FileSize syntax; at most 20 rolled files because logback's
 * FixedWindowRollingPolicy caps its window at 20 (MAX_WINDOW_SIZE).
 */
export const zookeeperLoggingSchema = z
  .object({
    maxFileSize: z
      .string()
      .regex(/^[1-9][0-9]{0,4}(KB|MB|GB)$/, 'must be a size such as 512KB, 64MB or 1GB')
      .optional(),
    maxFiles: z.number().int().min(1).max(20).optional(),
    level: z.enum(['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']).optional(),
  })
  .strict();

export const zookeeperSpecSchema = z
  .object({
    name: nameSchema,
    kind: z.literal('zookeeper'),
    distribution: z
      .object({
        /** Install dir with the upstream layout (`bin/zkServer.sh`); Debian: /usr/share/zookeeper. */
        home: absPathSchema.optional(),
        /** Or run java directly: for installs without zkServer.sh. */
        java: z
          .object({ command: absPathSchema, classpath: z.array(absPathSchema).min(1) })
          .strict()
          .optional(),
        /** Or a release tarball the agent downloads and verifies. */
        package: packageSchema.optional(),
      })
      .strict()
      .refine(
        (d) => [d.home, d.java, d.package].filter((x) => x !== undefined).length === 1,
        'set exactly one of "home", "java" or "package"',
      ),
    settings: z.record(z.string(), scalarSettingSchema).default({}),
    members: z.array(memberSchema),
    jvm: jvmSchema.optional(),
    /** ZooKeeper's own log, `<member>/logs/zookeeper.log`: rolled by size, a bounded number of old files kept. */
    logging: zookeeperLoggingSchema.optional(),
    /**
     * An even ensemble tolerates no more failures than the next smaller odd one and risks a
     * 50/50 split: rejected unless the operator says so explicitly (e.g. during a migration).
     */
    allowEvenEnsemble: z.boolean().optional(),
  })
  .strict();

export type ZookeeperSpec = z.infer<typeof zookeeperSpecSchema>;
export type ZookeeperMemberSpec = z.infer<typeof memberSchema>;

/** zoo.cfg keys hactl derives from the members list; setting them by hand would fight the planner. */
const MANAGED_KEYS: Record<string, string> = {
  clientPort: 'set members[].clientPort',
  clientPortAddress: 'derived from the host address',
  dynamicConfigFile: 'hactl renders a static ensemble',
  reconfigEnabled: 'ZooKeeper rewrites zoo.cfg when reconfig is on, which would fight the agent',
  standaloneEnabled: 'derived from the ensemble size',
  'admin.serverAddress': 'derived from the host address',
  'admin.serverPort': 'set members[].adminPort',
  'admin.enableServer': 'set members[].adminPort (0 turns it off)',
};

const INT_KEYS = new Set([
  'tickTime',
  'initLimit',
  'syncLimit',
  'maxClientCnxns',
  'minSessionTimeout',
  'maxSessionTimeout',
  'autopurge.snapRetainCount',
  'autopurge.purgeInterval',
  'globalOutstandingLimit',
  'preAllocSize',
  'snapCount',
]);
/** zoo.cfg settings that hold a path: the data dirs, and the key/trust store files (`ssl.keyStore.location`, `ssl.quorum.trustStore.location`, …). */
export function isZookeeperPathKey(key: string): boolean {
  return key === 'dataDir' || key === 'dataLogDir' || key.endsWith('.location');
}

export interface ResolvedMember {
  host: HostRecord;
  id: number;
  clientPort: number;
  peerPort: number;
  electionPort: number;
  adminPort: number;
  dataDir: string;
  /** `settings.dataLogDir` (the transaction log) when set; ZooKeeper writes it to dataDir otherwise. */
  dataLogDir: string | undefined;
}

/** The member's ports and dirs after defaults, dirs in normal form; the single source for validation and planning. */
export function resolveMember(spec: ZookeeperSpec, m: ZookeeperMemberSpec, host: HostRecord): ResolvedMember {
  const clusterDataDir =
    typeof spec.settings.dataDir === 'string' ? normalisePath(spec.settings.dataDir) : undefined;
  const dataLogDir =
    typeof spec.settings.dataLogDir === 'string' ? normalisePath(spec.settings.dataLogDir) : undefined;
  return {
    host,
    id: m.id,
    clientPort: m.clientPort ?? ZK_DEFAULT_PORTS.client,
    peerPort: m.peerPort ?? ZK_DEFAULT_PORTS.peer,
    electionPort: m.electionPort ?? ZK_DEFAULT_PORTS.election,
    adminPort: m.adminPort ?? ZK_DEFAULT_PORTS.admin,
    dataDir: normalisePath(
      m.dataDir ?? clusterDataDir ?? `${host.dataRoot}/zookeeper/${spec.name}/${m.id}/data`,
    ),
    dataLogDir,
  };
}

export function validateZookeeperSpec(raw: unknown, fleet: FleetContext): ValidationResult<ZookeeperSpec> {
  const parsed = zookeeperSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodDetails(parsed.error) };
  const spec = parsed.data;
  const problems: ErrorDetail[] = [];

  const n = spec.members.length;
  if (n === 0) problems.push({ path: 'members', message: 'an ensemble needs at least one member' });
  else if (n % 2 === 0 && !spec.allowEvenEnsemble) {
    problems.push({
      path: 'members',
      message: `${n} members is an even ensemble: it tolerates no more failures than ${n - 1} (2f+1 rule); use an odd size or set allowEvenEnsemble: true`,
    });
  }
  if (n > 255) problems.push({ path: 'members', message: 'at most 255 members (myid is 1-255)' });

  const seenIds = new Map<number, number>();
  spec.members.forEach((m, i) => {
    if (m.id < 1 || m.id > 255)
      problems.push({ path: `members[${i}].id`, message: `myid ${m.id} is outside 1-255` });
    const prev = seenIds.get(m.id);
    if (prev !== undefined)
      problems.push({ path: `members[${i}].id`, message: `duplicate id ${m.id} (also members[${prev}].id)` });
    else seenIds.set(m.id, i);
  });

  const settingRules = {
    managed: MANAGED_KEYS,
    refuse: (key: string) =>
      /^(server|group|weight)\./.test(key)
        ? 'ensemble membership is derived from members[]; do not set server.N/group/weight lines'
        : undefined,
  };
  for (const [key, value, path] of checkSettingKeys(spec.settings, settingRules, problems)) {
    const str = String(value);
    problems.push(...checkPropertiesValue(path, str));
    if (INT_KEYS.has(key)) problems.push(...checkNonNegativeInt(path, value));
    if ((key === 'tickTime' || key === 'initLimit' || key === 'syncLimit') && Number(str) === 0) {
      problems.push({ path, message: 'must be greater than 0' });
    }
    if (isZookeeperPathKey(key)) problems.push(...checkPath(path, str));
  }

  // Hosts must be registered. Ports and directories are checked on the planned instances' claims (registry.ts validateClusterSpec).
  spec.members.forEach((m, i) => lookupHost(fleet.hosts, m.host, `members[${i}].host`, problems));

  return problems.length ? { ok: false, problems } : { ok: true, spec };
}
