import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceKind } from '@hactl/shared';
import { describeProcess, readRenderedFiles } from './files-query.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-files-query-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A ZooKeeper member's inputs whose files live under `dir` (as the control plane plans them). */
function zkInputs(): unknown {
  const kind = serviceKind('zookeeper')!;
  const fleet = {
    hosts: [{ id: 'h1', name: 'h1', address: '127.0.0.1', dataRoot: dir, labels: {} }],
    clusters: new Map(),
  };
  const v = kind.validate(
    {
      name: 'zk',
      kind: 'zookeeper',
      distribution: { home: '/usr/share/zookeeper' },
      members: [{ host: 'h1', id: 1 }],
    },
    fleet,
  );
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return kind.plan(v.spec, fleet)[0]!.inputs;
}

describe('agent: the files query', () => {
  it('reads every rendered file with size and SHA-256; a missing one says so; contents past the budget are left out', async () => {
    const inputs = zkInputs();
    const rendered = serviceKind('zookeeper')!.render(inputs);
    expect(rendered.length).toBeGreaterThan(1);
    const [first, ...rest] = rendered;
    for (const f of rest) {
      fs.mkdirSync(path.dirname(f.path), { recursive: true });
      fs.writeFileSync(f.path, f.content);
    }
    const spec = { id: 'zk/zk-1', kind: 'zookeeper', inputs };
    const all = await readRenderedFiles(spec, 1 << 20);
    expect(all.files[0]).toEqual({ path: first!.path, exists: false, size: 0, sha256: '', content: null });
    for (const [i, f] of rest.entries())
      expect(all.files[i + 1]).toEqual({
        path: f.path,
        exists: true,
        size: Buffer.byteLength(f.content),
        sha256: createHash('sha256').update(f.content).digest('hex'),
        content: f.content,
      });
    const capped = await readRenderedFiles(spec, 0);
    expect(capped.files.filter((f) => f.exists).every((f) => f.content === null && f.sha256 !== '')).toBe(
      true,
    );
  });

  it('describes a supervised process: pid and start time only while one runs', () => {
    const spec = { id: 'zk/zk-1', kind: 'zookeeper', runState: 'running' as const };
    expect(
      describeProcess(spec, { state: 'running', pid: 42, startedAt: 1000, restarts: 2, adopted: false }),
    ).toEqual({
      instance: 'zk/zk-1',
      kind: 'zookeeper',
      runState: 'running',
      state: 'running',
      pid: 42,
      startedAt: 1000,
      restarts: 2,
      adopted: false,
      reason: '',
    });
    expect(
      describeProcess(spec, {
        state: 'stopped',
        startedAt: 1000,
        restarts: 0,
        adopted: false,
        reason: 'stopped',
      }),
    ).toMatchObject({ pid: 0, startedAt: 0, reason: 'stopped' });
  });
});
