import { packageInputsSchema } from '../../distribution.js';
import { z } from 'zod';
import { absPathSchema, nameSchema, portSchema } from '../../config-values.js';
import { STORM_KEY_RE, isStormPathKey, type StormSettingValue } from './spec.js';
import { yamlValueSchema } from '../../config-chars.js';
import { addPathSettingIssues, parseRenderInputs } from '../inputs.js';
import { ipAddressSchema } from '../../address.js';

const ipSchema = ipAddressSchema;
/** A storm.yaml string value: what SnakeYAML loads, on one line, without escapes (config-chars.ts). */
const safeString = yamlValueSchema.max(4096);
const safeNumber = z
  .number()
  .refine((n) => Number.isFinite(n) && /^-?[0-9]+(\.[0-9]+)?$/.test(String(n)), 'must be a plain decimal');
const scalar = z.union([safeString, safeNumber, z.boolean()]);
/** A setting value as validated in the spec (StormSettingValue): scalars, lists and maps, bounded. */
const settingValue: z.ZodType<StormSettingValue> = z.lazy(() =>
  z.union([
    scalar,
    z.array(settingValue).max(1000),
    z
      .record(safeString.max(256).min(1), settingValue)
      .refine((m) => Object.keys(m).length <= 1000, 'at most 1000 keys'),
  ]),
);

export const STORM_ROLES = ['nimbus', 'supervisor', 'ui'] as const;
export type StormRole = (typeof STORM_ROLES)[number];

/** Render inputs for one Storm daemon: everything the agent needs, nothing it must look up. */
export const stormInputsSchema = z
  .object({
    cluster: nameSchema,
    role: z.enum(STORM_ROLES),
    /** Host name, for messages and the instance id. */
    host: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/),
    /** The host's address: `storm.local.hostname`, what every daemon advertises and (UI) binds. */
    address: ipSchema,
    home: absPathSchema,
    /** Set when the distribution is a package the agent downloads into `home`. */
    package: packageInputsSchema.optional(),
    confDir: absPathSchema,
    localDir: absPathSchema,
    logDir: absPathSchema,
    zookeeper: z
      .object({
        /** Empty only when the referenced ZooKeeper cluster vanished; the instance is then stopped. */
        servers: z.array(ipSchema).max(255),
        port: portSchema,
        root: z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'must be a znode path like /storm'),
      })
      .strict(),
    nimbusSeeds: z.array(ipSchema).max(255),
    nimbusPort: portSchema,
    /**
     * Nimbus in `failover: manual` only: the fencing epoch (a positive integer) and the address of
     * the nimbus that epoch makes active. The agent starts nimbus only when it is that nimbus and
     * ZooKeeper holds no newer epoch (agent/src/services/storm/fence.ts).
     */
    fence: z
      .object({
        epoch: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
        active: ipSchema,
        /**
         * The running nimbus stops itself when its agent has not been able to confirm the fence in
         * ZooKeeper for this long (ms): a host cut off from everything cannot tell whether it was
         * failed over, so it stops before a failover can have happened (the detection delay).
         */
        selfFenceAfterMs: z.number().int().min(1000).max(3_600_000).optional(),
      })
      .strict()
      .optional(),
    /** Supervisors only: `supervisor.thrift.port` and `supervisor.slots.ports`. */
    supervisorThriftPort: portSchema.optional(),
    slots: z.array(portSchema).max(1000).optional(),
    /** UI only: `ui.port`. */
    uiPort: portSchema.optional(),
    /** storm.yaml pass-through, already validated (managed keys refused). */
    settings: z.record(z.string().regex(STORM_KEY_RE), settingValue),
  })
  .strict()
  .superRefine((i, ctx) => {
    // Path settings (the RocksDB metrics store) follow the same rules as the path fields.
    addPathSettingIssues(ctx, 'settings', i.settings, isStormPathKey);
    if (i.role === 'supervisor' && (i.slots === undefined || i.supervisorThriftPort === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'a supervisor needs slots and supervisorThriftPort',
        path: ['slots'],
      });
    if (i.role === 'ui' && i.uiPort === undefined)
      ctx.addIssue({ code: 'custom', message: 'the ui needs uiPort', path: ['uiPort'] });
  });

export type StormInputs = z.infer<typeof stormInputsSchema>;

export function parseStormInputs(raw: unknown): StormInputs {
  return parseRenderInputs(stormInputsSchema, 'storm', raw);
}
