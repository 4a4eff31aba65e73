import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLaunch } from './launch-check.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-launch-'));
  fs.mkdirSync(path.join(dir, 'zk/bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'zk/bin/zkServer.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'zk/bin/notes.txt'), 'x', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'zk.jar'), 'x');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = 'a'.repeat(128);

describe('launch check before a restart', () => {
  it.each<
    [
      string,
      () => Parameters<typeof checkLaunch>[0],
      () => { ok: boolean; problems: string[]; packageMissing: boolean },
    ]
  >([
    [
      'launch script present and executable → ok',
      () => ({ plan: { command: `${dir}/zk/bin/zkServer.sh` }, preStart: [] }),
      () => ({ ok: true, problems: [], packageMissing: false }),
    ],
    [
      'distribution home missing (the upgrade in issue 17) → the missing script named',
      () => ({ plan: { command: `${dir}/zk-3.9/bin/zkServer.sh` }, preStart: [] }),
      () => ({
        ok: false,
        problems: [`${dir}/zk-3.9/bin/zkServer.sh does not exist`],
        packageMissing: false,
      }),
    ],
    [
      'script not executable',
      () => ({ plan: { command: `${dir}/zk/bin/notes.txt` }, preStart: [] }),
      () => ({ ok: false, problems: [`${dir}/zk/bin/notes.txt is not executable`], packageMissing: false }),
    ],
    [
      'a directory is not a launch script',
      () => ({ plan: { command: `${dir}/zk/bin` }, preStart: [] }),
      () => ({ ok: false, problems: [`${dir}/zk/bin is not a file`], packageMissing: false }),
    ],
    [
      'a pre-start command and a class-path jar missing → both named',
      () => ({
        plan: { command: `${dir}/zk/bin/zkServer.sh`, requiredPaths: [`${dir}/zk.jar`, `${dir}/gone.jar`] },
        preStart: [{ command: `${dir}/zk/bin/kafka-storage.sh` }],
      }),
      () => ({
        ok: false,
        problems: [`${dir}/zk/bin/kafka-storage.sh does not exist`, `${dir}/gone.jar does not exist`],
        packageMissing: false,
      }),
    ],
    [
      'package not downloaded and verified → reported as missing, command not checked',
      () => ({
        plan: { command: `${dir}/pkg/bin/zkServer.sh` },
        preStart: [],
        package: { url: 'https://example.org/zk.tgz', sha512: sha, dir: `${dir}/pkg` },
      }),
      () => ({
        ok: false,
        problems: [`package https://example.org/zk.tgz is not downloaded and verified in ${dir}/pkg`],
        packageMissing: true,
      }),
    ],
  ])('%s', async (_scenario, needs, expected) => {
    expect(await checkLaunch(needs())).toEqual(expected());
  });

  it('a verified package (marker with its digest) → its launch script is checked', async () => {
    fs.mkdirSync(path.join(dir, 'pkg/bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pkg/.hactl-sha512'), `${sha}\n`);
    const pkg = { url: 'https://example.org/zk.tgz', sha512: sha, dir: `${dir}/pkg` };
    expect(
      await checkLaunch({ plan: { command: `${dir}/pkg/bin/zkServer.sh` }, preStart: [], package: pkg }),
    ).toEqual({ ok: false, problems: [`${dir}/pkg/bin/zkServer.sh does not exist`], packageMissing: false });
    fs.writeFileSync(path.join(dir, 'pkg/bin/zkServer.sh'), '#!/bin/sh\n', { mode: 0o755 });
    expect(
      (await checkLaunch({ plan: { command: `${dir}/pkg/bin/zkServer.sh` }, preStart: [], package: pkg })).ok,
    ).toBe(true);
  });
});
