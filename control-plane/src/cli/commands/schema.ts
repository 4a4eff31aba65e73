import { clusterSpecJsonSchema, schemaKinds } from '@hactl/shared';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { EXIT_OK } from '../failure.js';

/**
 * `hactl schema KIND`: prints the JSON Schema (draft 2020-12) of KIND's cluster spec, for editors'
 * YAML support (e.g. a `# yaml-language-server: $schema=zookeeper.schema.json` line at the top of a
 * spec file). Needs no control plane: the schema is the one this hactl validates with. Throws
 * UsageError for an unknown kind, naming the known ones.
 */
export function runSchema(io: Pick<CliIo, 'stdout'>, kind: string): number {
  const schema = clusterSpecJsonSchema(kind);
  if (!schema)
    throw new UsageError(`unknown kind ${JSON.stringify(kind)} (known: ${schemaKinds().join(', ')})`);
  io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
  return EXIT_OK;
}
