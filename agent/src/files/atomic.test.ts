import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWriteError, removeFileIfExists, writeFileIfChanged } from './atomic.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hactl-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;

describe('writeFileIfChanged', () => {
  it('new file → created, with parent directories', async () => {
    const p = join(dir, 'a', 'b', 'zoo.cfg');
    expect(await writeFileIfChanged(p, 'tickTime=2000\n')).toBe('created');
    expect(await readFile(p, 'utf8')).toBe('tickTime=2000\n');
  });

  it('same bytes → unchanged, file not rewritten', async () => {
    const p = join(dir, 'myid');
    await writeFileIfChanged(p, '1\n');
    const before = await stat(p);
    expect(await writeFileIfChanged(p, Buffer.from('1\n'))).toBe('unchanged');
    expect((await stat(p)).ino).toBe(before.ino);
  });

  it('different bytes → updated, new inode (renamed over)', async () => {
    const p = join(dir, 'myid');
    await writeFileIfChanged(p, '1\n');
    const before = await stat(p);
    expect(await writeFileIfChanged(p, '2\n')).toBe('updated');
    expect(await readFile(p, 'utf8')).toBe('2\n');
    expect((await stat(p)).ino).not.toBe(before.ino);
  });

  it('mode is applied exactly, ignoring the umask', async () => {
    const p = join(dir, 'secret');
    await writeFileIfChanged(p, 'x', { mode: 0o600 });
    expect(await modeOf(p)).toBe(0o600);
    await writeFileIfChanged(p, 'y', { mode: 0o777 });
    expect(await modeOf(p)).toBe(0o777);
  });

  it('same bytes but different mode → updated, mode changed', async () => {
    const p = join(dir, 'f');
    await writeFileIfChanged(p, 'x', { mode: 0o644 });
    expect(await writeFileIfChanged(p, 'x', { mode: 0o600 })).toBe('updated');
    expect(await modeOf(p)).toBe(0o600);
    expect(await writeFileIfChanged(p, 'x', { mode: 0o600 })).toBe('unchanged');
  });

  it('no mode given → an existing file keeps its mode on update', async () => {
    const p = join(dir, 'f');
    await writeFileIfChanged(p, 'x', { mode: 0o640 });
    expect(await writeFileIfChanged(p, 'y')).toBe('updated');
    expect(await modeOf(p)).toBe(0o640);
    expect(await writeFileIfChanged(p, 'y')).toBe('unchanged');
  });

  it('leaves no temp files behind', async () => {
    const p = join(dir, 'f');
    await writeFileIfChanged(p, 'a');
    await writeFileIfChanged(p, 'b');
    await writeFileIfChanged(p, 'b');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('a failed write leaves no temp file and throws FileWriteError', async () => {
    const p = join(dir, 'isdir');
    await mkdir(p);
    await expect(writeFileIfChanged(p, 'x')).rejects.toBeInstanceOf(FileWriteError);
    expect(await readdir(dir)).toEqual(['isdir']);
  });

  it('concurrent writers → the file holds one writer’s content whole, no temp files', async () => {
    const p = join(dir, 'f');
    const contents = Array.from({ length: 16 }, (_, i) => Buffer.alloc(256 * 1024, 0x41 + i));
    await Promise.all(contents.map((c) => writeFileIfChanged(p, c)));
    const final = await readFile(p);
    expect(contents.some((c) => c.equals(final))).toBe(true);
    expect(await readdir(dir)).toEqual(['f']);
  });
});

describe('removeFileIfExists', () => {
  it('existing file → removed; missing → absent', async () => {
    const p = join(dir, 'pid');
    await writeFile(p, '1');
    expect(await removeFileIfExists(p)).toBe('removed');
    expect(await removeFileIfExists(p)).toBe('absent');
    expect(await readdir(dir)).toEqual([]);
  });
});
