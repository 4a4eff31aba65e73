import { z } from 'zod';
import { absPathSchema } from './config-values.js';
import { normalisePath } from './paths.js';

/**
 * The most a package download may write to disk unless the spec says otherwise: 1 GiB, above every
 * upstream tarball of the four kinds (Elasticsearch 8.x for x86_64, the largest, is about 650 MB).
 */
export const DEFAULT_PACKAGE_MAX_BYTES = 1024 ** 3;
/** The largest `maxBytes` a spec may declare: 16 GiB. */
export const MAX_PACKAGE_MAX_BYTES = 16 * 1024 ** 3;

/**
 * A distribution the agent downloads: an upstream release tarball (one top-level directory, as
 * Apache and Elastic ship them) and its SHA-512, which the agent checks before unpacking. The agent
 * fetches it only from hosts on its own `--package-host` list, follows redirects only on the same
 * host, and stops at `maxBytes` (default {@link DEFAULT_PACKAGE_MAX_BYTES}) before the checksum is
 * even known.
 */
export const packageSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .regex(
        /^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/,
        'must be an http(s) URL without spaces, quotes or a query',
      ),
    sha512: z.string().regex(/^[0-9a-f]{128}$/, 'must be the 128-hex-digit SHA-512 of the tarball'),
    maxBytes: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(MAX_PACKAGE_MAX_BYTES, `must be at most ${MAX_PACKAGE_MAX_BYTES} (16 GiB)`)
      .optional(),
  })
  .strict();

/** `distribution: { home }` (an existing install) or `{ package: { url, sha512 } }`. */
export const distributionSchema = z
  .object({ home: absPathSchema.optional(), package: packageSchema.optional() })
  .strict()
  .refine(
    (d) => (d.home === undefined) !== (d.package === undefined),
    'set exactly one of "home" or "package"',
  );

export type Distribution = z.infer<typeof distributionSchema>;

/** What the agent needs to fetch a package: where it comes from, its digest, where it goes. */
export const packageInputsSchema = packageSchema.extend({ dir: absPathSchema }).strict();
export type PackageInputs = z.infer<typeof packageInputsSchema>;

/**
 * A package unpacks into a versioned directory named by its digest under the host's data root
 * (`<dataRoot>/distributions/<kind>/<sha512[0:16]>`), so an upgrade installs next to the running
 * version and the restart switches to it; the old one stays until removed.
 */
export function resolveDistribution(
  d: {
    home?: string | undefined;
    package?: { url: string; sha512: string; maxBytes?: number | undefined } | undefined;
  },
  dataRoot: string,
  kind: string,
): { home: string; package?: PackageInputs } {
  if (d.package) {
    const dir = normalisePath(`${dataRoot}/distributions/${kind}/${d.package.sha512.slice(0, 16)}`);
    return { home: dir, package: { ...d.package, dir } };
  }
  return { home: d.home! };
}

/**
 * One line naming the distribution an instance's render inputs use, for previews and messages:
 * the home directory, the package URL with the start of its digest, or the java command. Pure;
 * undefined for inputs without a distribution.
 */
export function describeDistribution(inputs: unknown): string | undefined {
  if (typeof inputs !== 'object' || inputs === null) return undefined;
  const i = inputs as {
    home?: unknown;
    package?: { url?: unknown; sha512?: unknown };
    java?: { command?: unknown; classpath?: unknown };
  };
  if (i.package && typeof i.package.url === 'string' && typeof i.package.sha512 === 'string')
    return `package ${i.package.url} (sha512 ${i.package.sha512.slice(0, 16)}…)`;
  if (i.java && typeof i.java.command === 'string')
    return `${i.java.command} -cp ${Array.isArray(i.java.classpath) ? i.java.classpath.join(':') : ''}`;
  if (typeof i.home === 'string') return i.home;
  return undefined;
}
