import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureOwnedBy } from './ownership.js';

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('ensureOwnedBy', () => {
  it('an already owned tree is left alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-own-'));
    dirs.push(dir);
    const me = fs.statSync(dir);
    expect(await ensureOwnedBy(dir, { uid: me.uid, gid: me.gid })).toBe('unchanged');
  });

  // chown(2) to another account needs root; CI and the lab run as root.
  it.skipIf(!isRoot)(
    'a tree owned by root is handed over whole; a symbolic link is re-owned, its target is not',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-own-'));
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-outside-'));
      dirs.push(dir, outside);
      fs.mkdirSync(path.join(dir, 'data/version-2'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'data/version-2/log.1'), 'x');
      fs.writeFileSync(path.join(outside, 'secret'), 's');
      fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'data/link'));
      const nobody = { uid: 65534, gid: 65534 };
      expect(await ensureOwnedBy(dir, nobody)).toBe('updated');
      for (const p of ['', 'data', 'data/version-2', 'data/version-2/log.1'])
        expect(fs.statSync(path.join(dir, p)).uid).toBe(65534);
      expect(fs.lstatSync(path.join(dir, 'data/link')).uid).toBe(65534);
      expect(fs.statSync(path.join(outside, 'secret')).uid).toBe(0);
    },
  );
});
