import type { z } from 'zod';
import { zodDetails } from '../config-values.js';
import { ValidationError } from '../errors.js';
import { pathProblems } from '../paths.js';

/**
 * Checking render inputs received over the wire (the agent trusts nothing): every kind's
 * `parseInputs` is one schema and these two helpers. Pure.
 */

/**
 * `raw` parsed by `schema`; throws a ValidationError `invalid <kind> render inputs` with the
 * problems at `inputs.<field>` paths.
 */
export function parseRenderInputs<T>(schema: z.ZodType<T>, kind: string, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ValidationError(`invalid ${kind} render inputs`, zodDetails(r.error, 'inputs'));
  return r.data;
}

/**
 * For a schema's superRefine: the path settings among `settings` (field `field` of the inputs)
 * follow the same rules as the path fields (paths.ts pathProblems). A value must be a string, or
 * with `lists` a list of strings (Elasticsearch `path.repo`), one issue per bad item.
 */
export function addPathSettingIssues(
  ctx: z.RefinementCtx,
  field: string,
  settings: Readonly<Record<string, unknown>>,
  isPathKey: (key: string) => boolean,
  opts: { lists?: boolean } = {},
): void {
  for (const [key, value] of Object.entries(settings)) {
    if (!isPathKey(key)) continue;
    const items: [unknown, (string | number)[]][] =
      opts.lists && Array.isArray(value)
        ? value.map((v, j) => [v, [field, key, j]])
        : [[value, [field, key]]];
    for (const [v, path] of items) {
      const problems = typeof v === 'string' ? pathProblems(v) : ['must be an absolute path (a string)'];
      for (const message of problems) ctx.addIssue({ code: 'custom', path, message });
    }
  }
}
