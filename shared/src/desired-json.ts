import type { DesiredInstance, HostDesiredState } from './domain.js';

/**
 * JSON text of render inputs and desired states, made once per planned inputs object. A change
 * that touches every host compares each member's inputs before and after (classifyChange), writes
 * each host's desired state with those inputs in it, and sends the inputs again as JSON text; at
 * 5,000 hosts stringifying the same inputs three or four times was a fifth of an apply. The text
 * is kept per inputs object, which nothing changes once planned: the snapshot, the stored desired
 * states and the previews all share it.
 *
 * It is kept on the object itself, under a symbol that is not enumerable (so JSON.stringify,
 * spreads, `util.isDeepStrictEqual` and test equality do not see it), not in a WeakMap: V8 treats
 * a WeakMap's entries as ephemerons, which every scavenge must revisit, and an apply adds one per
 * member. In a loop that makes 1,000 members' inputs and their text 40 times, as an apply does,
 * the WeakMap took 224-239 ms against 154-163 ms with the property (GC 49-53 against 31-32 ms);
 * at 10,000 members 2,415-2,446 against 2,049-2,074 ms. An object that cannot take a property
 * (frozen) keeps its text in a WeakMap as before.
 */
const TEXT: unique symbol = Symbol('hactl.inputsJson');
const frozenTexts = new WeakMap<object, string>();

/** `JSON.stringify(inputs)`, remembered per inputs object, as a flat string. */
export function inputsJson(inputs: unknown): string {
  if (typeof inputs !== 'object' || inputs === null) return JSON.stringify(inputs);
  const kept = (inputs as { [TEXT]?: string })[TEXT] ?? frozenTexts.get(inputs);
  if (kept !== undefined) return kept;
  const text = flat(JSON.stringify(inputs));
  if (Object.isExtensible(inputs)) Object.defineProperty(inputs, TEXT, { value: text });
  else frozenTexts.set(inputs, text);
  return text;
}

/**
 * `text`, flattened now. V8 returns a JSON.stringify result of a few hundred bytes as a rope of
 * the builder's parts (a cons string), and flattens a rope the first time its characters are read,
 * which walks every part: each inputs text was walked once when classifyChange first compared it
 * and again inside every host desired state that embeds it. Flattening it once here, where it is
 * made, took the apply's restart classification at 10,000 members from about 40 to 12 ms, with no
 * cost added elsewhere (an A/B of three runs each in one process set-up; reading one character is
 * what makes V8 flatten it).
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/**
 * Byte for byte `JSON.stringify(state)` of a desired state whose instances have exactly the
 * DesiredInstance fields in their declared order (as planHostDesired builds them), with each
 * instance's inputs text from `inputsJson`.
 */
export function hostDesiredJson(state: HostDesiredState): string {
  // Flat, like inputsJson: better-sqlite3 binds a rope more slowly than V8 flattens it (storing
  // 10,000 hosts' states took 54 ms with ropes and 30 ms flattened here, in-process apply).
  return flat(`{"instances":[${state.instances.map(instanceJson).join(',')}]}`);
}

/**
 * Whether `hostDesiredJson(a) === hostDesiredJson(b)`, without making either: the same instances
 * in the same order, each with the same fields and the same inputs text (the same inputs object,
 * or equal `inputsJson`). hostDesiredJson writes exactly those, in a fixed order.
 */
export function sameDesiredJson(a: HostDesiredState, b: HostDesiredState): boolean {
  if (a === b) return true;
  if (a.instances.length !== b.instances.length) return false;
  for (let k = 0; k < a.instances.length; k++) {
    const x = a.instances[k]!;
    const y = b.instances[k]!;
    if (x.id !== y.id || x.cluster !== y.cluster || x.kind !== y.kind) return false;
    if (x.role !== y.role || x.runState !== y.runState) return false;
    if (x.inputs !== y.inputs && inputsJson(x.inputs) !== inputsJson(y.inputs)) return false;
  }
  return true;
}

function instanceJson(i: DesiredInstance): string {
  const { id, cluster, kind, role, runState } = i;
  // The fields after the id repeat across a cluster's members (its name, kind, role and run
  // state): their JSON is made once per run of equal values and reused, instead of an object and
  // its JSON per instance (a quarter of the bytes an apply at 10,000 hosts allocated). A field
  // that is not a string takes JSON.stringify's path, which leaves it out or writes it as it is.
  const head =
    typeof id === 'string' &&
    typeof cluster === 'string' &&
    typeof kind === 'string' &&
    typeof role === 'string' &&
    typeof runState === 'string'
      ? `{"id":${JSON.stringify(id)},${tailJson(cluster, kind, role, runState)}`
      : JSON.stringify({ id, cluster, kind, role, runState }).slice(0, -1);
  if (i.inputs === undefined) return `${head}}`;
  const inputs = `"inputs":${inputsJson(i.inputs)}`;
  return head === '{' ? `{${inputs}}` : `${head},${inputs}}`;
}

/** The last tail made: `"cluster":…,"kind":…,"role":…,"runState":…` for the values it was made of. */
let lastTail: { cluster: string; kind: string; role: string; runState: string; json: string } | undefined;

function tailJson(cluster: string, kind: string, role: string, runState: string): string {
  const t = lastTail;
  if (t && t.cluster === cluster && t.kind === kind && t.role === role && t.runState === runState)
    return t.json;
  const json = JSON.stringify({ cluster, kind, role, runState }).slice(1, -1);
  lastTail = { cluster, kind, role, runState, json };
  return json;
}
