import { z } from 'zod';
import { knownKinds, serviceKind } from './registry.js';

/** A JSON Schema document (draft 2020-12), as z.toJSONSchema returns it. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of a kind's cluster spec, from its
 * zod spec schema: what an editor's YAML support needs to complete and check a spec file. The
 * input side (`io: 'input'`): fields with defaults are optional, as an operator writes them.
 * Rules zod checks in code (`refine`: e.g. exactly one of distribution home/java/package) have no
 * JSON Schema form and are left out; the control plane still checks them (`hactl apply --dry-run`).
 * Returns undefined for an unknown kind. Pure.
 */
export function clusterSpecJsonSchema(kind: string): JsonSchema | undefined {
  const k = serviceKind(kind);
  if (!k) return undefined;
  const schema = z.toJSONSchema(k.specSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return {
    ...schema,
    title: `hactl ${kind} cluster spec`,
    description: `A ${kind} cluster spec as hactl apply -f reads it (one YAML document or JSON object).`,
  };
}

/** Kinds whose spec has a JSON Schema (every known kind). */
export function schemaKinds(): string[] {
  return knownKinds();
}
