import type { DesiredState } from './gen/hactl/agent/v1/DesiredState.js';
import type { DesiredState__Output } from './gen/hactl/agent/v1/DesiredState.js';

/**
 * The proto edge of a desired state: the domain's DesiredInstance (shared/src/domain.ts) carries
 * its render inputs as a value; the wire's DesiredInstance carries them as JSON text in
 * `inputs_json`. These two functions are the only encoder and decoder.
 */

/** The domain shape (structurally @hactl/shared's DesiredInstance; proto does not depend on shared). */
export interface DesiredInstanceValue {
  id: string;
  cluster: string;
  kind: string;
  role: string;
  runState: string;
  inputs: unknown;
}

/**
 * Encodes a desired state for the stream: each instance's inputs as JSON text, made by
 * `inputsJson` — JSON.stringify, or a memo of it (the control plane passes @hactl/shared's
 * inputsJson, which already holds the text of inputs it has just planned and stored).
 */
export function desiredToWire(
  generation: number,
  instances: readonly DesiredInstanceValue[],
  inputsJson: (inputs: unknown) => string = JSON.stringify,
): DesiredState {
  return {
    generation,
    instances: instances.map((i) => ({
      id: i.id,
      cluster: i.cluster,
      kind: i.kind,
      role: i.role,
      runState: i.runState,
      inputsJson: inputsJson(i.inputs),
    })),
  };
}

/**
 * Decodes a desired state from the stream. `parseInputs` turns each instance's JSON text into a
 * value (the agent passes its size- and depth-limited reader, naming `instances[i].inputs` in its
 * errors); nothing else is checked here — the agent checks the result like any desired state.
 */
export function desiredFromWire(
  d: DesiredState__Output,
  parseInputs: (json: string, index: number, id: string) => unknown,
): { generation: number; instances: DesiredInstanceValue[] } {
  return {
    generation: Number(d.generation),
    instances: d.instances.map((i, index) => ({
      id: i.id,
      cluster: i.cluster,
      kind: i.kind,
      role: i.role,
      runState: i.runState,
      inputs: parseInputs(i.inputsJson, index, i.id),
    })),
  };
}
