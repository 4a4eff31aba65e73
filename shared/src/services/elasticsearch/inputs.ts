import { packageInputsSchema } from '../../distribution.js';
import { z } from 'zod';
import { absPathSchema, nameSchema, portSchema } from '../../config-values.js';
import { ES_ROLES, isElasticsearchPathKey } from './spec.js';
import { yamlValueSchema } from '../../config-chars.js';
import { addPathSettingIssues, parseRenderInputs } from '../inputs.js';
import { ipAddressSchema } from '../../address.js';

const safeValue = yamlValueSchema;
const addressSchema = ipAddressSchema;
const settingValue = z.union([
  safeValue,
  z.number().finite(),
  z.boolean(),
  z.array(z.union([safeValue, z.number().finite(), z.boolean()])),
]);

/** Render inputs for one Elasticsearch node: everything the agent needs, nothing it must look up. */
export const elasticsearchInputsSchema = z
  .object({
    cluster: nameSchema,
    nodeName: nameSchema,
    roles: z.array(z.enum(ES_ROLES)),
    address: addressSchema,
    httpPort: portSchema,
    transportPort: portSchema,
    /** Distribution home (`bin/elasticsearch`, `config/jvm.options`, `config/log4j2.properties`). */
    home: absPathSchema,
    /** Set when the distribution is a package the agent downloads into `home`. */
    package: packageInputsSchema.optional(),
    /** ES_PATH_CONF: agent-owned, holds the rendered files plus jvm.options/log4j2.properties copied from home. */
    confDir: absPathSchema,
    dataDir: absPathSchema,
    logDir: absPathSchema,
    /** `-p` pid file: written by ES itself; its path in argv identifies the instance for adoption. */
    pidFile: absPathSchema,
    /** `address:transportPort` of every master-eligible node. */
    seedHosts: z.array(z.string().regex(/^(\[[0-9a-fA-F:]+\]|[0-9.]+):[0-9]{1,5}$/)),
    /** Only until the cluster first formed (service-facts §4.1); empty afterwards. */
    initialMasterNodes: z.array(nameSchema),
    attributes: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), safeValue),
    /** elasticsearch.yml pass-through, flattened to dotted keys and validated. */
    settings: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/), settingValue),
    heap: z
      .string()
      .regex(/^[1-9][0-9]{0,6}[mMgG]$/)
      .optional(),
    /** spec jvm.flags, rendered into jvm.options.d/hactl.options; absent when none. */
    jvmFlags: z.array(z.string().regex(/^-[A-Za-z0-9:+=._/,-]+$/)).optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    // `path.*` settings follow the same rules as the path fields.
    addPathSettingIssues(ctx, 'settings', i.settings, isElasticsearchPathKey, { lists: true });
  });

export type ElasticsearchInputs = z.infer<typeof elasticsearchInputsSchema>;

export function parseElasticsearchInputs(raw: unknown): ElasticsearchInputs {
  return parseRenderInputs(elasticsearchInputsSchema, 'elasticsearch', raw);
}
