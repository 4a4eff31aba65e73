import { packageInputsSchema } from '../../distribution.js';
import { z } from 'zod';
import { absPathSchema, nameSchema, portSchema } from '../../config-values.js';
import { propertiesValueSchema } from '../../config-chars.js';
import { addPathSettingIssues, parseRenderInputs } from '../inputs.js';
import { isKafkaPathKey } from './spec.js';
import { ipAddressSchema } from '../../address.js';

const addressSchema = ipAddressSchema;
/** `kafka-storage.sh random-uuid`: a 16-byte UUID in unpadded base64url, 22 characters (service-facts §2.3). */
export const KRAFT_CLUSTER_ID_RE = /^[A-Za-z0-9_-]{22}$/;
const lineValue = propertiesValueSchema;

/** Render inputs for one Kafka broker/controller: everything the agent needs, nothing it must look up. */
export const kafkaInputsSchema = z
  .object({
    cluster: nameSchema,
    mode: z.enum(['zookeeper', 'kraft']),
    /** `broker.id` (ZooKeeper mode) or `node.id` (KRaft). */
    id: z.number().int().min(0),
    roles: z.array(z.enum(['broker', 'controller'])).min(1),
    address: addressSchema,
    /** PLAINTEXT port; absent on a KRaft controller-only node. */
    port: portSchema.optional(),
    /** CONTROLLER port; only on KRaft controllers. */
    controllerPort: portSchema.optional(),
    listeners: lineValue,
    advertisedListeners: lineValue.optional(),
    /** ZooKeeper mode: `h1:2181,h2:2181/chroot`. */
    zookeeperConnect: lineValue.optional(),
    /** KRaft: the static quorum, sorted by id (rendered as controller.quorum.voters). */
    voters: z
      .array(z.object({ id: z.number().int().min(0), address: addressSchema, port: portSchema }).strict())
      .optional(),
    clusterId: z
      .string()
      .regex(KRAFT_CLUSTER_ID_RE, 'must be a 22-character base64url cluster id')
      .optional(),
    rack: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
      .optional(),
    logDirs: z.array(absPathSchema).min(1),
    confDir: absPathSchema,
    /** Process output (kafka.out) and Kafka's own LOG_DIR. */
    logDir: absPathSchema,
    home: absPathSchema,
    /** Set when the distribution is a package the agent downloads into `home`. */
    package: packageInputsSchema.optional(),
    /** server.properties settings other than the managed ones, already validated and stringified. */
    config: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), lineValue),
    heap: z
      .string()
      .regex(/^[1-9][0-9]{0,5}[mMgG]$/)
      .optional(),
    jvmFlags: z.array(z.string().regex(/^-[A-Za-z0-9:+=._/,-]+$/)),
  })
  .strict()
  .superRefine((i, ctx) => {
    // Path settings (key and trust store locations) follow the same rules as the path fields.
    addPathSettingIssues(ctx, 'config', i.config, isKafkaPathKey);
    const broker = i.roles.includes('broker');
    const controller = i.roles.includes('controller');
    if (broker !== (i.port !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: 'is set exactly when the node has the broker role',
      });
    if (controller !== (i.controllerPort !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['controllerPort'],
        message: 'is set exactly when the node has the controller role',
      });
    if (i.mode === 'zookeeper') {
      if (!i.zookeeperConnect)
        ctx.addIssue({
          code: 'custom',
          path: ['zookeeperConnect'],
          message: 'is required in ZooKeeper mode',
        });
      if (controller)
        ctx.addIssue({ code: 'custom', path: ['roles'], message: 'ZooKeeper-mode nodes are brokers only' });
    } else {
      if (!i.clusterId)
        ctx.addIssue({ code: 'custom', path: ['clusterId'], message: 'is required in KRaft mode' });
      if (!i.voters?.length)
        ctx.addIssue({ code: 'custom', path: ['voters'], message: 'is required in KRaft mode' });
    }
  });

export type KafkaInputs = z.infer<typeof kafkaInputsSchema>;

export function parseKafkaInputs(raw: unknown): KafkaInputs {
  return parseRenderInputs(kafkaInputsSchema, 'kafka', raw);
}

export function hasRole(inputs: Pick<KafkaInputs, 'roles'>, role: 'broker' | 'controller'): boolean {
  return inputs.roles.includes(role);
}
