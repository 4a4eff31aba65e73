import { HactlError, ValidationError, type ErrorDetail } from './errors.js';

/**
 * Checks every JSON document hactl takes from outside its own process (REST bodies, desired states
 * and probe reports on the agent stream, the agent's saved state) before any schema sees it. Two
 * faults of that kind, both found in issue 16:
 *
 * - **Reserved keys.** `JSON.parse` keeps `{"__proto__": …}` as an own property, but the first
 *   `obj[key] = value` copy (zod's record schema does one) turns it into a prototype change, so the
 *   key vanished without a word. `constructor` and `prototype` read as inherited members on plain
 *   objects. No hactl field or config key is named like that, so they are refused with their path.
 * - **Depth.** `JSON.parse` is iterative, but the schemas that validate a value recurse; settings
 *   nested 1,500 levels deep overflowed the stack and answered 500. Specs are shallow (the deepest,
 *   Elasticsearch settings as nested maps, are under 10 levels), so anything deeper than
 *   {@link MAX_JSON_DEPTH} is refused before validation.
 *
 * Importable alone (`@hactl/shared/json-input`): the CLI checks its YAML with it without loading the
 * service kinds.
 */

/** Keys refused anywhere in an input document. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest nesting of objects and arrays accepted; the document's root value is level 1. */
export const MAX_JSON_DEPTH = 32;

/** At most this many problems are listed: a hostile document may hold thousands. */
const MAX_PROBLEMS = 20;

/**
 * Every reserved key and every value nested deeper than `maxDepth`, as field paths (`settings.__proto__`,
 * `members[0].x`) under `prefix`. Pure; walks with its own stack, so a deep value cannot overflow it.
 * Empty when the value is fine.
 */
export function checkJsonShape(
  value: unknown,
  opts: { maxDepth?: number; prefix?: string } = {},
): ErrorDetail[] {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const problems: ErrorDetail[] = [];
  const stack: { v: unknown; path: string; depth: number }[] = [
    { v: value, path: opts.prefix ?? '', depth: 1 },
  ];
  while (stack.length && problems.length < MAX_PROBLEMS) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) {
      problems.push({ path, message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const p = path ? `${path}.${k}` : k;
      if (RESERVED_KEYS.has(k))
        problems.push({
          path: p,
          message: `${JSON.stringify(k)} is a reserved name and cannot be used as a key`,
        });
      else stack.push({ v: (v as Record<string, unknown>)[k], path: p, depth: depth + 1 });
    }
  }
  return problems;
}

/**
 * `JSON.parse` plus {@link checkJsonShape}. Throws a HactlError `invalid_json` (text that is not
 * JSON) or a ValidationError listing the reserved keys and too-deep values; `what` names the input
 * in the message ("request body", "desired state of zk-main/zk-1").
 */
export function parseJsonInput(
  text: string,
  what: string,
  opts: { maxDepth?: number; prefix?: string } = {},
): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new HactlError(
      'invalid_json',
      `${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const problems = checkJsonShape(value, opts);
  if (problems.length)
    throw new ValidationError(`${what} is refused: ${describeShapeProblems(problems)}`, problems);
  return value;
}

function describeShapeProblems(problems: readonly ErrorDetail[]): string {
  const reserved = problems.some((p) => p.message.includes('reserved'));
  const deep = problems.some((p) => p.message.startsWith('nested deeper'));
  return [reserved ? 'reserved key names' : '', deep ? 'nesting too deep' : ''].filter(Boolean).join(' and ');
}
