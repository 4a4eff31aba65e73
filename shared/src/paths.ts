import { z } from 'zod';
import type { ErrorDetail } from './errors.js';

/**
 * One normaliser and one set of rules for every directory or file path hactl writes into a config
 * file, a command line or a host's claims: spec fields, settings that hold paths, render inputs,
 * and the data/state roots an agent reports in its hello (issue 16 #1).
 *
 * The rules are the union of what every target format treats specially, so one path is safe in all
 * of them:
 * - `,` splits a value into a list: Kafka `log.dirs`, Elasticsearch list settings such as
 *   `path.data` (a string is split on commas), so `/d1,/d2` silently became two directories;
 * - `:` separates Java class path entries (`java.classpath`, `-cp`);
 * - `%` starts a logback conversion word in `fileNamePattern` (`%i`, `%d`), `$` a `${…}`
 *   substitution in logback, log4j2 and elasticsearch.yml, `\` an escape in .properties and YAML;
 * - whitespace is trimmed or splits JVM argument lists, quotes and the other punctuation end
 *   quoting in one format or another; non-ASCII is mangled in .properties files (read as ISO 8859-1).
 * What is left: ASCII letters, digits and `_ . + @ = -`, joined by `/`.
 *
 * Beyond characters: absolute, no `.` or `..` segment, not `/` itself (a claim on `/` overlaps
 * every other directory on the host, and a data root of `/` puts services straight under it).
 */

/** PATH_MAX on Linux, terminating NUL excluded. */
export const MAX_PATH_LENGTH = 4095;
const PATH_CHARS_RE = /^[A-Za-z0-9_.+@=/-]*$/;

/** Something normalisePath would change: `//`, a `.` segment, or a trailing slash. */
const NEEDS_NORMALISING_RE = /\/\/|(^|\/)\.(\/|$)|.\/$/;

/**
 * `//a/./b/` → `/a/b`: repeated slashes collapsed, `.` segments and a trailing slash dropped.
 * `..` is kept (and refused by {@link pathProblems}): resolving it lexically could point a path
 * somewhere its author did not mean once a segment is a symlink. The rules refuse `.` as well;
 * dropping it here keeps comparisons right for paths stored before they did.
 */
export function normalisePath(p: string): string {
  // Most paths are already normal; comparing thousands of claims per plan made the split below a
  // visible cost at fleet scale (bench profile).
  if (!NEEDS_NORMALISING_RE.test(p)) return p;
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  const joined = segments.join('/');
  return p.startsWith('/') ? `/${joined}` : joined;
}

/** Why `p` is not an acceptable path (empty when it is); messages start lowercase, without the field. */
export function pathProblems(p: string): string[] {
  const out: string[] = [];
  if (!p.startsWith('/')) out.push('must be an absolute path');
  if (p.length > MAX_PATH_LENGTH) out.push(`must be at most ${MAX_PATH_LENGTH} characters`);
  // "." is refused too, not normalised away: a spec should say the path it means.
  if (p.split('/').some((seg) => seg === '..' || seg === '.'))
    out.push('must not contain "." or ".." segments');
  const bad = [...new Set([...p].filter((c) => !PATH_CHARS_RE.test(c)))];
  if (bad.length) {
    const why = bad.includes(',')
      ? 'a comma splits Kafka log.dirs and Elasticsearch path settings into several directories'
      : bad.includes(':')
        ? 'a colon separates class path entries'
        : 'it is special in at least one of the config formats hactl writes';
    out.push(
      `may only contain letters, digits and "_.+@=-" between "/"; found ${bad.slice(0, 5).map(describeChar).join(', ')} (${why})`,
    );
  }
  if (out.length === 0 && normalisePath(p) === '/')
    out.push('must not be "/" (it would overlap every other directory on the host)');
  return out;
}

/** `pathProblems` as field problems. */
export function checkPath(field: string, p: string): ErrorDetail[] {
  return pathProblems(p).map((message) => ({ path: field, message }));
}

/**
 * A path field in a spec or in render inputs: checked by {@link pathProblems}, then normalised, so
 * what is rendered and claimed is the normal form (`/data/zk/` and `/data//zk` both become
 * `/data/zk`).
 */
export const absPathSchema = z
  .string()
  .superRefine((p, ctx) => {
    for (const message of pathProblems(p)) ctx.addIssue({ code: 'custom', message });
  })
  .transform(normalisePath);

/** `"/"` for printable ASCII, `U+0085` otherwise. */
export function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp > 0x20 && cp < 0x7f ? JSON.stringify(c) : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

export type DirRelation = 'same' | 'inside' | 'contains';

/** How directory `a` relates to `b`, compared in normal form: the same, inside `b`, containing `b`, or apart (undefined). */
export function dirRelation(a: string, b: string): DirRelation | undefined {
  return normalRelation(normalisePath(a), normalisePath(b));
}

/** dirRelation of two paths already in normal form. */
function normalRelation(na: string, nb: string): DirRelation | undefined {
  if (na === nb) return 'same';
  if (isBelow(na, nb)) return 'inside';
  if (isBelow(nb, na)) return 'contains';
  return undefined;
}

/**
 * Whether normal path `a` lies below normal path `b` (they differ). Compared in place rather than
 * against `${b}/`: the claims check compares every claim on a host, and a string built per
 * comparison was garbage at fleet scale.
 */
function isBelow(a: string, b: string): boolean {
  if (b === '/') return a.startsWith('/');
  return a.length > b.length && a.charCodeAt(b.length) === SLASH && a.startsWith(b);
}

const SLASH = 0x2f;

export interface DirOverlap<T> {
  /** The earlier claim's directory, normalised. */
  dir: string;
  owner: T;
  /** How the new directory relates to the earlier one. */
  relation: DirRelation;
}

/**
 * Directories claimed per host, for the clash checks inside one cluster (spec validation) and
 * across clusters (the control plane's claims check). Two claims clash when they are the same
 * directory or one lies inside the other: two services writing the same tree corrupt each other,
 * and e.g. Kafka refuses to start when a log dir holds a directory that is not a partition.
 */
export class DirClaims<T = string> {
  private readonly byHost = new Map<string, { dir: string; owner: T }[]>();

  /** Earlier claims on `host` that `dir` equals, lies inside or contains (no garbage when none). */
  overlaps(host: string, dir: string): readonly DirOverlap<T>[] {
    const claims = this.byHost.get(host);
    if (!claims) return NO_OVERLAPS;
    // Claims are stored normalised; the new directory is normalised once, not once per claim.
    const normal = normalisePath(dir);
    let out: DirOverlap<T>[] | undefined;
    for (const c of claims) {
      const relation = normalRelation(normal, c.dir);
      if (relation) (out ??= []).push({ dir: c.dir, owner: c.owner, relation });
    }
    return out ?? NO_OVERLAPS;
  }

  add(host: string, dir: string, owner: T): void {
    const claim = { dir: normalisePath(dir), owner };
    const list = this.byHost.get(host);
    if (list) list.push(claim);
    else this.byHost.set(host, [claim]);
  }
}

const NO_OVERLAPS: readonly never[] = Object.freeze([]);
