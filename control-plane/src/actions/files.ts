import { createHash } from 'node:crypto';
import type { RenderedFile } from '@hactl/shared';
import { compactDiff, diffLines } from '../reconcile/diff-text.js';
import type { MemberFileView } from './views.js';

/** One rendered file as the member's agent found it on disk (agent sync/files-query.ts FileOnDisk). */
export interface ReportedFile {
  path: string;
  exists: boolean;
  size: number;
  sha256: string;
  content: string | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Compares the files the control plane renders for a member (`desired`, the kind's renderer on the
 * desired inputs) with what its agent found on disk (`onDisk`), by path, in desired order then the
 * agent's extra paths. A drifted file whose content came back gets a unified diff (desired → disk,
 * changed lines with one line of context). Pure.
 */
export function diffMemberFiles(
  desired: readonly RenderedFile[],
  onDisk: readonly ReportedFile[],
): MemberFileView[] {
  const disk = new Map(onDisk.map((f) => [f.path, f]));
  const out: MemberFileView[] = [];
  for (const want of desired) {
    const have = disk.get(want.path);
    disk.delete(want.path);
    const desiredSha256 = sha256(want.content);
    if (!have?.exists) {
      out.push({ path: want.path, state: 'missing', size: 0, sha256: '', desiredSha256, diff: [], note: '' });
      continue;
    }
    const base = { path: want.path, size: have.size, sha256: have.sha256, desiredSha256 };
    if (have.sha256 === desiredSha256) {
      out.push({ ...base, state: 'same', diff: [], note: '' });
      continue;
    }
    out.push(
      have.content === null
        ? { ...base, state: 'drifted', diff: [], note: 'too large to show: compare the SHA-256 digests' }
        : { ...base, state: 'drifted', diff: unifiedDiff(want.path, want.content, have.content), note: '' },
    );
  }
  for (const extra of disk.values())
    if (extra.exists)
      out.push({
        path: extra.path,
        state: 'unexpected',
        size: extra.size,
        sha256: extra.sha256,
        desiredSha256: '',
        diff: [],
        note: 'the agent renders it from a spec the control plane no longer desires',
      });
  return out;
}

/** A unified-style diff of one file: `--- path (desired)`, `+++ path (on disk)`, then the changed lines. Pure. */
export function unifiedDiff(path: string, desired: string, onDisk: string): string[] {
  return [`--- ${path} (desired)`, `+++ ${path} (on disk)`, ...compactDiff(diffLines(desired, onDisk))];
}
