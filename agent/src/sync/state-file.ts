import fs from 'node:fs/promises';
import { HactlError, parseJsonInput } from '@hactl/shared';
import { writeFileIfChanged } from '../files/atomic.js';
import { checkDesiredState, type DesiredState } from './desired.js';

/** The last desired state the agent applied, kept so it keeps working while the control plane is away. */
export type AppliedState = DesiredState;

/**
 * Thrown when the saved state cannot be used: not JSON, or not a desired state this agent would
 * accept from the wire. The message names the file and every offending field.
 */
export class SavedStateError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'SavedStateError';
  }
}

/**
 * Reads the saved applied state and validates it exactly like a desired state from the control
 * plane (same depth and key checks, same kind schemas): the file is only as trustworthy as whoever
 * last wrote to the state dir. Returns undefined when there is no file; throws a SavedStateError
 * naming the file and the fields otherwise.
 */
export async function readAppliedState(file: string): Promise<AppliedState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SavedStateError(file, `cannot be read: ${(err as Error).message}`);
  }
  try {
    return checkDesiredState(parseJsonInput(text, 'the saved state'));
  } catch (err) {
    if (err instanceof HactlError) {
      const fields = err.details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ');
      throw new SavedStateError(file, fields || err.message);
    }
    throw new SavedStateError(file, String(err));
  }
}

export async function writeAppliedState(file: string, state: AppliedState): Promise<void> {
  await writeFileIfChanged(file, JSON.stringify(state, null, 1) + '\n', { mode: 0o600 });
}
