import { z } from 'zod';
import { PROPERTY_KEY_RE } from '../config-values.js';
import type { ErrorDetail } from '../errors.js';

/** One settings value as a spec gives it: a string, number or boolean, written out as its string form. */
export const scalarSettingSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The checks every kind runs on its `settings` pass-through (zoo.cfg, server.properties,
 * storm.yaml, elasticsearch.yml) before it looks at a value: the key's form, the keys hactl
 * derives itself, and the kind's own refusals. A new kind lists its managed keys and gets the
 * same messages and field paths (`settings.<key>`) as the others. Pure.
 */
export interface SettingKeyRules {
  /** What a key must look like; default PROPERTY_KEY_RE (letters, digits and "._-"). */
  pattern?: RegExp;
  /** The problem when a key does not match `pattern`. */
  patternMessage?: string;
  /** Keys hactl derives from the spec, each with what to set instead ("managed by hactl: …"). */
  managed: Readonly<Record<string, string>>;
  /** A kind's other refusals, checked after the managed keys: the problem, or undefined to accept. */
  refuse?: (key: string) => string | undefined;
}

/**
 * The settings whose key passes `rules`, as `[key, value, path]` for the kind's value checks;
 * a problem at `settings.<key>` is pushed onto `problems` for each refused key.
 */
export function checkSettingKeys<V>(
  settings: Readonly<Record<string, V>>,
  rules: SettingKeyRules,
  problems: ErrorDetail[],
): [key: string, value: V, path: string][] {
  const accepted: [string, V, string][] = [];
  for (const [key, value] of Object.entries(settings)) {
    const path = `settings.${key}`;
    if (!(rules.pattern ?? PROPERTY_KEY_RE).test(key)) {
      problems.push({
        path,
        message: rules.patternMessage ?? 'setting names may only contain letters, digits and "._-"',
      });
      continue;
    }
    // Own keys only: a key such as "constructor" is not managed just because objects have one.
    if (Object.hasOwn(rules.managed, key)) {
      problems.push({ path, message: `managed by hactl: ${rules.managed[key]}` });
      continue;
    }
    const refused = rules.refuse?.(key);
    if (refused !== undefined) {
      problems.push({ path, message: refused });
      continue;
    }
    accepted.push([key, value, path]);
  }
  return accepted;
}

/** A count or size setting (e.g. zoo.cfg tickTime, Kafka num.partitions): a non-negative integer, as a number or digits. */
export function checkNonNegativeInt(path: string, value: string | number | boolean): ErrorDetail[] {
  const ok =
    typeof value === 'number' ? Number.isInteger(value) && value >= 0 : /^[0-9]+$/.test(String(value));
  return ok ? [] : [{ path, message: 'must be a non-negative integer' }];
}
