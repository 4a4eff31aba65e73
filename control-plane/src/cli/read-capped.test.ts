import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputTooLargeError, readCapped, readFileCapped } from './read-capped.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-read-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('reading spec files with a cap (issue 16 #10)', () => {
  it('a 30 MB file is refused by its size, before reading: the error carries the size', async () => {
    const f = path.join(dir, 'huge.yaml');
    // Sparse: 30 MB long, no disk used; reading it would allocate 30 MB.
    fs.writeFileSync(f, 'name: x\n');
    fs.truncateSync(f, 30 * 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const err = await readFileCapped(f, 1024 * 1024).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputTooLargeError);
    expect(err).toMatchObject({ size: 30 * 1024 * 1024, maxBytes: 1024 * 1024 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('a file under the cap is read whole; a missing one throws ENOENT', async () => {
    const f = path.join(dir, 'zk.yaml');
    fs.writeFileSync(f, 'name: zk-main\nkind: zookeeper\n');
    expect(await readFileCapped(f, 1024)).toBe('name: zk-main\nkind: zookeeper\n');
    await expect(readFileCapped(path.join(dir, 'nope.yaml'), 1024)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a stream (stdin, a pipe) is read until the cap and no further', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(64 * 1024, 0x61));
      },
    });
    const err = await readCapped(endless, 1024 * 1024).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputTooLargeError);
    expect((err as InputTooLargeError).size).toBeUndefined();
    expect(pulled * 64 * 1024).toBeLessThan(3 * 1024 * 1024);
    expect(endless.destroyed).toBe(true);
    expect(await readCapped(Readable.from([Buffer.from('a: 1\n')]), 10)).toBe('a: 1\n');
  });
});
