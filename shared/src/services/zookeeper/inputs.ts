import { packageInputsSchema } from '../../distribution.js';
import { z } from 'zod';
import { absPathSchema, portSchema, nameSchema } from '../../config-values.js';
import { propertiesValueSchema } from '../../config-chars.js';
import { addPathSettingIssues, parseRenderInputs } from '../inputs.js';
import { isZookeeperPathKey } from './spec.js';
import { ipAddressSchema } from '../../address.js';

/** Render inputs for one ZooKeeper member: everything the agent needs, nothing it must look up. */
export const zookeeperInputsSchema = z
  .object({
    cluster: nameSchema,
    myid: z.number().int().min(1).max(255),
    address: ipAddressSchema,
    clientPort: portSchema,
    peerPort: portSchema,
    electionPort: portSchema,
    adminPort: z.number().int().min(0).max(65535),
    confDir: absPathSchema,
    dataDir: absPathSchema,
    logDir: absPathSchema,
    servers: z.array(
      z
        .object({
          id: z.number().int().min(1).max(255),
          address: ipAddressSchema,
          peerPort: portSchema,
          electionPort: portSchema,
        })
        .strict(),
    ),
    /** zoo.cfg settings other than the managed ones, already validated and stringified. */
    config: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), propertiesValueSchema),
    home: absPathSchema.optional(),
    package: packageInputsSchema.optional(),
    java: z
      .object({ command: absPathSchema, classpath: z.array(absPathSchema) })
      .strict()
      .optional(),
    jvmFlags: z.array(z.string().regex(/^-[A-Za-z0-9:+=._/,-]+$/)),
    /** Rolling of `<logDir>/zookeeper.log` (rendered into logback.xml). Absent from older control planes: defaults apply. */
    logging: z
      .object({
        maxFileSize: z.string().regex(/^[1-9][0-9]{0,4}(KB|MB|GB)$/),
        maxFiles: z.number().int().min(1).max(20),
        level: z.enum(['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']),
      })
      .strict()
      .optional(),
  })
  .strict()
  // Path settings (dataLogDir, store locations) follow the same rules as the path fields.
  .superRefine((i, ctx) => addPathSettingIssues(ctx, 'config', i.config, isZookeeperPathKey));

export type ZookeeperInputs = z.infer<typeof zookeeperInputsSchema>;

export function parseZookeeperInputs(raw: unknown): ZookeeperInputs {
  return parseRenderInputs(zookeeperInputsSchema, 'zookeeper', raw);
}
