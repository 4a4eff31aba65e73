import fs from 'node:fs/promises';
import { writeFileIfChanged } from '../files/atomic.js';
import type { DesiredInstanceSpec } from './diff.js';

/** The last desired state the agent applied, kept so it keeps working while the control plane is away. */
export interface AppliedState {
  generation: number;
  instances: DesiredInstanceSpec[];
}

export async function readAppliedState(file: string): Promise<AppliedState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as AppliedState;
  if (typeof parsed.generation !== 'number' || !Array.isArray(parsed.instances)) throw new Error(`${file}: not an applied-state file`);
  return parsed;
}

export async function writeAppliedState(file: string, state: AppliedState): Promise<void> {
  await writeFileIfChanged(file, JSON.stringify(state, null, 1) + '\n', { mode: 0o600 });
}
