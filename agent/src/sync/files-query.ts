import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { serviceKind, type ProcessAnswer } from '@hactl/shared';
import type { DesiredInstance } from './diff.js';
import type { SupervisorStatus } from '../supervisor/index.js';

/** One rendered file as it is on disk now (the `files` query, `hactl files`). */
export interface FileOnDisk {
  path: string;
  /** False when the file is not there (never written, or deleted by hand). */
  exists: boolean;
  /** Bytes; 0 when missing. */
  size: number;
  /** Hex SHA-256 of the bytes; '' when missing. */
  sha256: string;
  /** The text, or null when it did not fit the answer (see `budget`) or is missing. */
  content: string | null;
}

/** What `files` answers: the instance's rendered files as they are on this host. */
export interface FilesAnswer {
  instance: string;
  files: FileOnDisk[];
}

/**
 * Reads the files the instance's current spec renders (the kind's renderer, as the agent writes
 * them: files/atomic.ts) as they are on disk. Only those paths are read: the control plane cannot
 * name another file. Contents are included while they fit `budget` bytes in all (the command
 * output cap); a file past it still has its size and digest, so drift is still seen.
 */
export async function readRenderedFiles(
  spec: Pick<DesiredInstance, 'id' | 'kind' | 'inputs'>,
  budget: number,
): Promise<FilesAnswer> {
  const kind = serviceKind(spec.kind);
  if (!kind) throw new Error(`unknown kind ${spec.kind}`);
  let left = budget;
  const files: FileOnDisk[] = [];
  for (const f of kind.render(spec.inputs)) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(f.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      files.push({ path: f.path, exists: false, size: 0, sha256: '', content: null });
      continue;
    }
    const fits = bytes.length <= left;
    if (fits) left -= bytes.length;
    files.push({
      path: f.path,
      exists: true,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      content: fits ? bytes.toString('utf8') : null,
    });
  }
  return { instance: spec.id, files };
}

/** A supervisor's status as `status` reports it. Pure. */
export function describeProcess(
  spec: Pick<DesiredInstance, 'id' | 'kind' | 'runState'>,
  st: Pick<SupervisorStatus, 'state' | 'pid' | 'startedAt' | 'restarts' | 'adopted' | 'reason'>,
): ProcessAnswer {
  const up = st.pid !== undefined && st.pid > 0;
  return {
    instance: spec.id,
    kind: spec.kind,
    runState: spec.runState,
    state: st.state,
    pid: up ? st.pid! : 0,
    startedAt: up ? (st.startedAt ?? 0) : 0,
    restarts: st.restarts,
    adopted: st.adopted,
    reason: st.reason ?? '',
  };
}
