import { parse as parseYaml } from 'yaml';
import { KNOWN_PREFIXES, KNOWN_SETTINGS } from './settings-registry.js';
import { levenshteinSimilarity } from './levenshtein.js';

/** A flat settings map as ES holds it: dotted keys, string or list-of-string values. */
export type FlatSettings = Record<string, string | string[]>;

/** Thrown for a settings problem; `message` is the text real ES prints (first problem first). */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly suppressed: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * Parses elasticsearch.yml text into flat settings. ES accepts nested maps and dotted keys alike
 * (`node: {name: a}` ≡ `node.name: a`) and rejects the same key given twice. `${VAR}` placeholders
 * are replaced from `env` (PropertyPlaceholder). Pure.
 */
export function parseSettingsYaml(text: string, env: Readonly<Record<string, string | undefined>>): FlatSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SettingsError(`Failed to load settings from [elasticsearch.yml]: ${(err as Error).message}`);
  }
  const out: FlatSettings = {};
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SettingsError('Failed to load settings from [elasticsearch.yml]: expected a map of settings');
  }
  flattenInto(out, '', doc as Record<string, unknown>);
  for (const [k, v] of Object.entries(out)) {
    out[k] = Array.isArray(v) ? v.map((x) => substitute(x, env)) : substitute(v, env);
  }
  return out;
}

function flattenInto(out: FlatSettings, prefix: string, obj: Record<string, unknown>): void {
  for (const [rawKey, value] of Object.entries(obj)) {
    const key = prefix + rawKey;
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      flattenInto(out, key + '.', value as Record<string, unknown>);
      continue;
    }
    const v = Array.isArray(value) ? value.map((x) => String(x)) : String(value);
    if (key in out) {
      throw new SettingsError(
        `duplicate settings key [${key}] found, previous value [${String(out[key])}], current value [${String(v)}]`,
      );
    }
    out[key] = v;
  }
}

function substitute(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\{([^}:]+)(?::([^}]*))?\}/g, (_m, name: string, def: string | undefined) => {
    const v = env[name];
    if (v !== undefined) return v;
    if (def !== undefined) return def;
    throw new SettingsError(`Could not resolve placeholder '${name}'`);
  });
}

/** `-E key=value` overrides win over the file (ES: command-line settings are applied last). */
export function mergeOverrides(file: FlatSettings, overrides: readonly string[]): FlatSettings {
  const out: FlatSettings = { ...file };
  for (const o of overrides) {
    const i = o.indexOf('=');
    if (i <= 0) throw new SettingsError(`setting [${o}] must be in the form of key=value`);
    out[o.slice(0, i)] = o.slice(i + 1);
  }
  return out;
}

/**
 * Rejects keys that are not registered node settings, with ES's message and suggestions
 * (AbstractScopedSettings.validate): keys iterate sorted, the first failure is thrown and the rest are
 * suppressed. The 8.0-removed legacy role settings (`node.master`, `node.data`, ...) are simply
 * unknown in 8.x (PR #71163), so they fail here too. Pure.
 */
export function checkKnownSettings(settings: FlatSettings): void {
  const known = new Set(KNOWN_SETTINGS);
  const problems: string[] = [];
  for (const key of Object.keys(settings).sort()) {
    if (known.has(key) || KNOWN_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length)) continue;
    const scored = KNOWN_SETTINGS.map((k) => [levenshteinSimilarity(key, k), k] as const)
      .filter(([s]) => s > 0.7)
      .sort((a, b) => b[0] - a[0]);
    let msg = `unknown setting [${key}]`;
    if (scored.length === 1) msg += ` did you mean [${scored[0]![1]}]?`;
    else if (scored.length > 1) msg += ` did you mean any of [${scored.map(([, k]) => k).join(', ')}]?`;
    else msg += ' please check that any required plugins are installed, or check the breaking changes documentation for removed settings';
    problems.push(msg);
  }
  if (problems.length > 0) throw new SettingsError(problems[0]!, problems.slice(1));
}

/** Reads a list setting: YAML lists as-is, strings split on commas (Settings.getAsList). */
export function getList(settings: FlatSettings, key: string): string[] | undefined {
  const v = settings[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((s) => s.trim()).filter((s) => s.length > 0);
  const t = v.trim();
  if (t === '') return [];
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  return inner
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function getString(settings: FlatSettings, key: string): string | undefined {
  const v = settings[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function getBool(settings: FlatSettings, key: string, def: boolean): boolean {
  const v = getString(settings, key);
  if (v === undefined) return def;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new SettingsError(`Failed to parse value [${v}] as only [true] or [false] are allowed.`);
}

/** Parses `9200` or `9200-9300` (PortsRange). */
export function parsePortRange(settings: FlatSettings, key: string, def: string): [number, number] {
  const raw = getString(settings, key) ?? def;
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (!m) throw new SettingsError(`Failed to parse value [${raw}] for setting [${key}]`);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (lo < 0 || hi > 65535 || hi < lo) throw new SettingsError(`Failed to parse value [${raw}] for setting [${key}]`);
  return [lo, hi];
}
