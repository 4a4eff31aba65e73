import { z } from 'zod';
import type { ErrorDetail } from './errors.js';
import { COLLECTOR_FLAG_RE } from './jvm-gc.js';

/**
 * Building blocks for validating values that end up in rendered config files. Every check here
 * exists so a value cannot break out of its line (newline, NUL), its key (`=`, `:`), or its
 * directory (`..`). Values are checked per file format in config-chars.ts, paths in paths.ts.
 */

/** Cluster, host and member names: DNS-label-like, safe in paths, znodes and config values. */
export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const nameSchema = z
  .string()
  .regex(
    NAME_RE,
    'must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
  );

/** Hostnames as agents register them (may contain dots). */
export const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
export const hostRefSchema = z
  .string()
  .regex(HOST_RE, 'must be a hostname or host id (letters, digits, ".", "-")');

export const portSchema = z
  .number()
  .int('must be an integer')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** Paths follow one rule set and normaliser for every kind (paths.ts); re-exported for the kinds that import it from here. */
export { absPathSchema } from './paths.js';

/** A key for a properties-style file: letters, digits and `._-` only. */
export const PROPERTY_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Turns zod issues into hactl error details with `a.b[2].c` paths. */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.flatMap((issue) =>
    // An unknown field is named at its own path ("members[0].clientPrt: unknown field"), as the
    // REST requests' own checks name theirs, so a spec file's line for it can be found.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: joinPath(prefix, [...issue.path, key]), message: 'unknown field' }))
      : [{ path: joinPath(prefix, issue.path), message: zodMessage(issue) }],
  );
}

function zodMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return 'is required';
  return issue.message;
}

export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let out = prefix;
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * `jvm: {heap, flags}` as every JVM-based kind takes it: one flag per entry, no spaces or quotes,
 * and at most one garbage collector (jvm-gc.ts): a second one makes the JVM refuse to start. A
 * collector given here replaces the distribution's default (each kind's launch plan).
 */
export const jvmSchema = z
  .object({
    heap: z
      .string()
      .regex(/^[1-9][0-9]{0,5}[mMgG]$/, 'must look like 512m or 2g')
      .optional(),
    flags: z
      .array(
        z
          .string()
          .regex(/^-[A-Za-z0-9:+=._/,-]+$/, 'must be one JVM flag starting with "-" (no spaces or quotes)'),
      )
      .optional(),
  })
  .strict()
  .superRefine((jvm, ctx) => {
    const flags = jvm.flags ?? [];
    const first = flags.findIndex((f) => COLLECTOR_FLAG_RE.test(f));
    flags.forEach((f, i) => {
      if (i > first && COLLECTOR_FLAG_RE.test(f) && f !== flags[first])
        ctx.addIssue({
          code: 'custom',
          path: ['flags', i],
          message:
            `selects a second garbage collector (flags[${first}] is ${flags[first]}); ` +
            `the JVM refuses two ("Multiple garbage collectors selected"): keep one, it replaces the distribution's default`,
        });
    });
  });
