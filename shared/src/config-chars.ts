import { z } from 'zod';
import type { ErrorDetail } from './errors.js';
import { describeChar } from './paths.js';

/**
 * Which characters a value may hold, per config file format hactl renders, decided in one place
 * per format (issue 16 #2). Each rule refuses what the format's real parser refuses or reads back
 * differently, plus what would let a value leave its line: hactl writes one `key=value` or
 * `key: "value"` line per setting and escapes nothing.
 *
 * - **properties** (Kafka server.properties, ZooKeeper zoo.cfg): both are read with
 *   `Properties.load(InputStream)` (Kafka `Utils.loadProps`, ZooKeeper `QuorumPeerConfig.parse`),
 *   which decodes ISO 8859-1, so a UTF-8 `é` comes back as `Ã©`: only printable ASCII
 *   (U+0020–U+007E) survives. `\` starts an escape; leading whitespace is skipped by the loader and
 *   trailing whitespace trimmed by both servers (`ConfigDef.parseType`, `parseProperties`).
 * - **yaml** (elasticsearch.yml, storm.yaml): both are loaded by SnakeYAML (YAML 1.1), whose reader
 *   refuses the whole file on any character outside its printable set (`StreamReader.isPrintable`):
 *   tab, LF, CR, U+0020–U+007E, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. So C1
 *   controls (U+0080–U+009F except NEL), U+FFFE/U+FFFF and unpaired surrogates stop the service from
 *   starting. Inside that set, LF, CR, NEL (U+0085), LS (U+2028) and PS (U+2029) are line breaks,
 *   even in a quoted scalar, and U+FEFF is a byte order mark; hactl also keeps tab, the other
 *   controls and `\` out, so its JSON-style quoting never needs an escape.
 */
export type ConfigFormat = 'properties' | 'yaml';

const PRINTABLE_ASCII_RE = /^[\u0020-\u007e]$/;
/** SnakeYAML's StreamReader printable set (YAML 1.1 c-printable plus NEL), per code point. */
const SNAKEYAML_PRINTABLE_RE = /^[\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u;
const YAML_LINE_BREAK_RE = /^[\n\r\u0085\u2028\u2029]$/;

/** What a character is to a format: fine, or the reason it is refused. */
type Verdict = 'ok' | 'control' | 'line-break' | 'backslash' | 'not-ascii' | 'not-printable' | 'bom';

function propertiesVerdict(c: string): Verdict {
  if (c === '\\') return 'backslash';
  if (PRINTABLE_ASCII_RE.test(c)) return 'ok';
  const cp = c.codePointAt(0)!;
  return cp < 0x20 || cp === 0x7f ? 'control' : 'not-ascii';
}

function yamlVerdict(c: string): Verdict {
  if (c === '\\') return 'backslash';
  if (YAML_LINE_BREAK_RE.test(c)) return 'line-break';
  if (!SNAKEYAML_PRINTABLE_RE.test(c)) return 'not-printable';
  if (c === '\t' || c === '\u007f') return 'control';
  if (c === '\ufeff') return 'bom';
  return 'ok';
}

const MESSAGES: Record<ConfigFormat, Partial<Record<Verdict, (chars: string) => string>>> = {
  properties: {
    control: (chars) => `must not contain newlines or other control characters (found ${chars})`,
    backslash: () => 'must not contain a backslash (it would be read as an escape)',
    'not-ascii': (chars) =>
      `must be printable ASCII: Kafka and ZooKeeper read .properties files as ISO 8859-1, so ${chars} would be read back as other characters`,
  },
  yaml: {
    control: (chars) => `must not contain control characters (found ${chars})`,
    'line-break': (chars) =>
      `must not contain newlines or other line breaks (found ${chars}; YAML 1.1 also breaks lines at NEL and the Unicode line or paragraph separators)`,
    backslash: () => 'must not contain a backslash (it would be read as an escape)',
    'not-printable': (chars) =>
      `must not contain ${chars}: SnakeYAML (YAML 1.1, read by Elasticsearch and Storm) refuses to load a file with characters outside its printable set`,
    bom: () => 'must not contain U+FEFF (YAML reads it as a byte order mark)',
  },
};

/** Why `value` cannot be written as-is into a file of `format` (empty when it can). */
export function configValueProblems(format: ConfigFormat, value: string): string[] {
  const verdictOf = format === 'yaml' ? yamlVerdict : propertiesVerdict;
  const found = new Map<Verdict, string[]>();
  for (const c of value) {
    const v = verdictOf(c);
    if (v === 'ok') continue;
    const list = found.get(v) ?? [];
    if (!list.includes(c)) list.push(c);
    found.set(v, list);
  }
  const out: string[] = [];
  for (const [verdict, chars] of found)
    out.push(MESSAGES[format][verdict]!(chars.slice(0, 5).map(describeChar).join(', ')));
  if (format === 'properties' && /^[ ]|[ ]$/.test(value)) {
    out.push('must not start or end with a space (the .properties loader and the server trim it)');
  }
  return out;
}

/** A value for a Java .properties line (server.properties, zoo.cfg), as field problems. */
export function checkPropertiesValue(field: string, value: string): ErrorDetail[] {
  return configValueProblems('properties', value).map((message) => ({ path: field, message }));
}

/** A value for a YAML scalar read by SnakeYAML (elasticsearch.yml, storm.yaml), as field problems. */
export function checkYamlValue(field: string, value: string): ErrorDetail[] {
  return configValueProblems('yaml', value).map((message) => ({ path: field, message }));
}

function valueSchema(format: ConfigFormat) {
  return z.string().superRefine((v, ctx) => {
    for (const message of configValueProblems(format, v)) ctx.addIssue({ code: 'custom', message });
  });
}

/** A .properties value in render inputs (the agent trusts nothing from the wire). */
export const propertiesValueSchema = valueSchema('properties');
/** A YAML string value in render inputs. */
export const yamlValueSchema = valueSchema('yaml');
