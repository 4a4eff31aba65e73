import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFollow } from './follow.js';
import type { ExecEnd } from './runner.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-follow-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startFollow (real files)', () => {
  it('sends the last lines, then appended lines, across a log4j rename rotation and a truncation', async () => {
    const file = path.join(dir, 'server.log');
    fs.writeFileSync(file, 'one\ntwo\nthree\n');
    let out = '';
    let end: ExecEnd | undefined;
    const h = startFollow(
      { file, tailLines: 2, sinceMs: 0, windowBytes: 0 },
      {
        output: (c) => {
          out += c.data.toString();
          setImmediate(() => h.credit(c.data.length));
        },
        end: (e) => (end = e),
      },
      { pollMs: 20, now: Date.now },
    );
    await until(() => out === 'two\nthree\n');
    fs.appendFileSync(file, 'four\n');
    await until(() => out.endsWith('four\n'));
    // log4j DailyRollingFileAppender: the last line lands, the file is renamed, a new one created.
    fs.appendFileSync(file, 'five\n');
    fs.renameSync(file, `${file}.2026-12-01-02`);
    fs.writeFileSync(file, 'six\n');
    await until(() => out.endsWith('six\n'));
    expect(out).toBe('two\nthree\nfour\nfive\nsix\n');
    // copytruncate: same file, cut to nothing, then written again.
    fs.truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(file, 'seven\n');
    await until(() => out.endsWith('seven\n'));
    h.cancel('done');
    await h.done;
    expect(end).toMatchObject({ cancelled: true, error: '' });
  });

  it('a file that does not exist yet is waited for', async () => {
    const file = path.join(dir, 'later.log');
    let out = '';
    const h = startFollow(
      { file, tailLines: 10, sinceMs: 0, windowBytes: 0 },
      { output: (c) => (out += c.data.toString()), end: () => undefined },
      { pollMs: 20, now: Date.now },
    );
    fs.writeFileSync(file, 'hello\n');
    await until(() => out === 'hello\n');
    h.cancel('done');
    await h.done;
  });

  it('without credit, reading stops at the window', async () => {
    const file = path.join(dir, 'big.log');
    fs.writeFileSync(file, 'start\n');
    let got = 0;
    const h = startFollow(
      { file, tailLines: 1, sinceMs: 0, windowBytes: 64 * 1024 },
      { output: (c) => (got += c.data.length), end: () => undefined },
      { pollMs: 20, now: Date.now },
    );
    await until(() => got === 6);
    h.credit(6);
    fs.appendFileSync(file, Buffer.alloc(1024 * 1024, 'x'));
    await until(() => got >= 6 + 64 * 1024);
    got -= 6;
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(64 * 1024);
    h.credit(got);
    await until(() => got >= 128 * 1024);
    h.cancel('done');
    await h.done;
  });
});
