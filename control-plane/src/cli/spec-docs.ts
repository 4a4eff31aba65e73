import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { ErrorDetail } from '@hactl/shared/errors';
import { checkJsonShape } from '@hactl/shared/json-input';
import { isRecord } from './api-types.js';

/** One cluster spec taken from a file, ready to PUT. */
export interface SpecDocument {
  name: string;
  spec: Record<string, unknown>;
  /** Where it came from, for messages: "zk.yaml:7 (document 2)", the line where the document starts. */
  origin: string;
  /**
   * Where a field of the document is written, for messages: `fieldOrigin('settings.tickTime')` →
   * "zk.yaml:12 (document 2)". `path` is as the control plane names a field (fieldOffset).
   */
  fieldOrigin(path: string): string;
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
    const lines = new LineCounter();
    const parsed = parseAllDocuments(src.text, { prettyErrors: true, lineCounter: lines });
    for (const [i, doc] of parsed.entries()) {
      const at = (line: number) => `${src.name}:${line} (document ${i + 1})`;
      const start = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
      const origin = at(start);
      const fieldOrigin = (path: string) => {
        const offset = fieldOffset(doc, path);
        return at(offset === undefined ? start : lines.linePos(offset).line);
      };
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
        problems.push(
          ...shape.map((p) => ({ path: `${fieldOrigin(p.path)}: ${p.path}`, message: p.message })),
        );
        continue;
      }
      const bad = findNonFinite(value, '');
      if (bad !== undefined) {
        problems.push({ path: fieldOrigin(bad), message: `${bad}: .inf/.nan cannot be sent as JSON` });
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
      docs.push({ name, spec: value, origin, fieldOrigin });
    }
  }
  return { docs, problems };
}

/**
 * Where the field `path` is written in `doc` (a source offset): the key of a mapping entry, the
 * item of a list; for a field the document lacks (a required one left out), where its nearest
 * written parent is; undefined when not even the first step is written (the document's start is
 * then the best place). `path` is dotted with `[i]` for list items, as the control plane and
 * checkJsonShape name fields ("members[2].host"). Keys may hold dots themselves
 * ("settings.min.insync.replicas"), so each step takes the longest key of the mapping that the
 * rest of the path begins with.
 */
function fieldOffset(doc: Document, path: string): number | undefined {
  let node: unknown = doc.contents;
  let rest = path;
  let found: number | undefined;
  while (rest !== '') {
    if (isSeq(node)) {
      const m = /^\[(\d+)\]\.?/.exec(rest);
      const item: unknown = m ? node.items[Number(m[1])] : undefined;
      if (!m || item === undefined || item === null) return found;
      found = rangeStart(item) ?? found;
      node = item;
      rest = rest.slice(m[0].length);
    } else if (isMap(node)) {
      let best: { key: string; pair: unknown } | undefined;
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || (best && best.key.length >= key.length)) continue;
        if (rest === key || rest.startsWith(`${key}.`) || rest.startsWith(`${key}[`)) best = { key, pair };
      }
      if (!best || !isPair(best.pair)) return found;
      found = rangeStart(best.pair.key) ?? found;
      node = best.pair.value;
      rest = rest.slice(best.key.length).replace(/^\./, '');
    } else return found;
  }
  return found;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: unknown } | null)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
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
