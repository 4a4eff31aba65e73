import type { DesiredInstance, HostDesiredState } from './domain.js';

/**
 * JSON text of render inputs and desired states, made once per planned inputs object. A change
 * that touches every host compares each member's inputs before and after (classifyChange), writes
 * each host's desired state with those inputs in it, and sends the inputs again as JSON text; at
 * 5,000 hosts stringifying the same inputs three or four times was a fifth of an apply. The text
 * is kept per inputs object, which nothing changes once planned: the snapshot, the stored desired
 * states and the previews all share it.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(inputs)`, remembered per inputs object, as a flat string. */
export function inputsJson(inputs: unknown): string {
  if (typeof inputs !== 'object' || inputs === null) return JSON.stringify(inputs);
  let text = texts.get(inputs);
  if (text === undefined) {
    text = flat(JSON.stringify(inputs));
    texts.set(inputs, text);
  }
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
  return `{"instances":[${state.instances.map(instanceJson).join(',')}]}`;
}

function instanceJson(i: DesiredInstance): string {
  const head = JSON.stringify({
    id: i.id,
    cluster: i.cluster,
    kind: i.kind,
    role: i.role,
    runState: i.runState,
  });
  if (i.inputs === undefined) return head;
  const inputs = `"inputs":${inputsJson(i.inputs)}`;
  return head === '{}' ? `{${inputs}}` : `${head.slice(0, -1)},${inputs}}`;
}
