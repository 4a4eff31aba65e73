import { parseAllDocuments } from 'yaml';
import type { ErrorDetail } from '@hactl/shared/errors';
import { checkJsonShape } from '@hactl/shared/json-input';
import { isRecord } from './api-types.js';

/** One cluster spec taken from a file, ready to PUT. */
export interface SpecDocument {
  name: string;
  spec: Record<string, unknown>;
  /** Where it came from, for messages: "zk.yaml, document 2 (line 7)". */
  origin: string;
}

export interface SpecSource {
  /** File name as the operator typed it, or "<stdin>". */
  name: string;
  text: string;
}

/**
 * Parses every source into spec documents, or returns every problem found (YAML syntax errors with
 * line and column, documents that are not mappings, missing/duplicate names, non-finite numbers).
 * All-or-nothing: a caller sends nothing unless `problems` is empty. Empty documents (`---` with
 * nothing or only comments) are skipped. JSON is YAML, so .json files work too.
 */
export function parseSpecSources(sources: readonly SpecSource[]): {
  docs: SpecDocument[];
  problems: ErrorDetail[];
} {
  const docs: SpecDocument[] = [];
  const problems: ErrorDetail[] = [];
  const firstOrigin = new Map<string, string>();

  for (const src of sources) {
    const parsed = parseAllDocuments(src.text, { prettyErrors: true });
    let index = 0;
    for (const doc of parsed) {
      index++;
      const line = lineOf(src.text, doc.contents?.range[0] ?? doc.range[0]);
      const origin = `${src.name}, document ${index} (line ${line})`;
      const firstError = doc.errors[0];
      if (firstError !== undefined) {
        // Only the first: the parser's later errors in the same document are mostly echoes of it.
        problems.push(yamlProblem(src.name, firstError));
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS();
      } catch (err) {
        // The YAML library refuses here what it can only see while building the value: an alias
        // "bomb" (more aliases than the document's size justifies). Name the document like any other problem.
        problems.push({ path: origin, message: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (value === null || value === undefined) continue;
      if (!isRecord(value)) {
        problems.push({
          path: origin,
          message: `a cluster spec must be a mapping, got ${Array.isArray(value) ? 'a list' : typeof value}`,
        });
        continue;
      }
      const name = value.name;
      if (typeof name !== 'string' || name.trim() === '') {
        problems.push({ path: origin, message: 'a cluster spec needs a non-empty string "name"' });
        continue;
      }
      // The control plane refuses these too (reserved keys, nesting too deep); say so per document.
      const shape = checkJsonShape(value);
      if (shape.length) {
        problems.push(...shape.map((p) => ({ path: `${origin}: ${p.path}`, message: p.message })));
        continue;
      }
      const bad = findNonFinite(value, '');
      if (bad !== undefined) {
        problems.push({ path: origin, message: `${bad}: .inf/.nan cannot be sent as JSON` });
        continue;
      }
      const earlier = firstOrigin.get(name);
      if (earlier !== undefined) {
        problems.push({
          path: origin,
          message: `cluster ${JSON.stringify(name)} is already defined in ${earlier}`,
        });
        continue;
      }
      firstOrigin.set(name, origin);
      docs.push({ name, spec: value, origin });
    }
  }
  return { docs, problems };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

interface YamlErrorLike {
  message: string;
  linePos?: [{ line: number; col: number }] | [{ line: number; col: number }, { line: number; col: number }];
}

/**
 * `yaml`'s pretty message is "<what> at line L, column C:\n\n<snippet with caret>". We put the
 * position in the path ("zk.yaml:4:1") and keep the snippet on the lines after the message.
 */
function yamlProblem(file: string, err: YamlErrorLike): ErrorDetail {
  const pos = err.linePos?.[0];
  const [head = '', ...rest] = err.message.split('\n');
  const what = head.replace(/ at line \d+, column \d+:?$/, '');
  const snippet = rest.join('\n').replace(/^\n+|\s+$/g, '');
  const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
  return { path: where, message: snippet ? `${what}\n${snippet}` : what };
}

function findNonFinite(v: unknown, path: string): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path || '(root)';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findNonFinite(v[i], `${path}[${i}]`);
      if (r !== undefined) return r;
    }
  } else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      const r = findNonFinite(x, path ? `${path}.${k}` : k);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}
