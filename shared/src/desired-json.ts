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

/** `JSON.stringify(inputs)`, remembered per inputs object. */
export function inputsJson(inputs: unknown): string {
  if (typeof inputs !== 'object' || inputs === null) return JSON.stringify(inputs);
  let text = texts.get(inputs);
  if (text === undefined) {
    text = JSON.stringify(inputs);
    texts.set(inputs, text);
  }
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
