import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { diffMemberFiles, type ReportedFile } from './files.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const onDisk = (path: string, content: string | null, bytes = content ?? ''): ReportedFile => ({
  path,
  exists: true,
  size: Buffer.byteLength(bytes),
  sha256: sha(bytes),
  content,
});
const cfg = 'tickTime=2000\ninitLimit=10\nsyncLimit=5\n';

describe('member files against the desired render', () => {
  it('same bytes → same, no diff', () => {
    const [f] = diffMemberFiles(
      [{ path: '/c/zoo.cfg', content: cfg, mode: 0o644 }],
      [onDisk('/c/zoo.cfg', cfg)],
    );
    expect(f).toMatchObject({ state: 'same', diff: [], sha256: sha(cfg), desiredSha256: sha(cfg) });
  });

  it('edited by hand → drifted, with a unified diff from desired to disk', () => {
    const edited = cfg.replace('initLimit=10', 'initLimit=99') + 'maxClientCnxns=7\n';
    const [f] = diffMemberFiles(
      [{ path: '/c/zoo.cfg', content: cfg, mode: 0o644 }],
      [onDisk('/c/zoo.cfg', edited)],
    );
    expect(f!.state).toBe('drifted');
    expect(f!.diff.slice(0, 2)).toEqual(['--- /c/zoo.cfg (desired)', '+++ /c/zoo.cfg (on disk)']);
    expect(f!.diff).toEqual(expect.arrayContaining(['-initLimit=10', '+initLimit=99', '+maxClientCnxns=7']));
  });

  it('deleted on the host → missing; a file over the cap → drifted by digest with a note; an extra path → unexpected', () => {
    const files = diffMemberFiles(
      [
        { path: '/d/myid', content: '1\n', mode: 0o644 },
        { path: '/c/zoo.cfg', content: cfg, mode: 0o644 },
      ],
      [
        { path: '/d/myid', exists: false, size: 0, sha256: '', content: null },
        onDisk('/c/zoo.cfg', null, 'x'.repeat(100)),
        onDisk('/c/old.cfg', 'a=1\n'),
      ],
    );
    expect(files.map((f) => [f.path, f.state])).toEqual([
      ['/d/myid', 'missing'],
      ['/c/zoo.cfg', 'drifted'],
      ['/c/old.cfg', 'unexpected'],
    ]);
    expect(files[1]!.note).toContain('too large');
  });
});
