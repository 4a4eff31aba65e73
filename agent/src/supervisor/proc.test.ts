import { describe, expect, it } from 'vitest';
import { parseCmdline, parseProcStat, probeProcessAlive, readProcStat } from './proc.js';

describe('parseProcStat', () => {
  it('real /proc/<pid>/stat line (captured from `cat`) → fields', () => {
    const line =
      '5999 (cat) R 5992 5992 5323 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 48582 3133440 415 18446744073709551615 ' +
      '94708228907008 94708228926889 140725315573104 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 ' +
      '94708228942896 94708228944512 94709234626560 140725315578588 140725315578608 140725315578608 140725315579883 0\n';
    expect(parseProcStat(line)).toEqual({
      pid: 5999,
      comm: 'cat',
      state: 'R',
      ppid: 5992,
      pgrp: 5992,
      startTime: 48582,
    });
  });

  it('comm with spaces and parentheses → fields counted from the last )', () => {
    const line = '42 (a) b (c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n';
    expect(parseProcStat(line)).toMatchObject({
      pid: 42,
      comm: 'a) b (c',
      state: 'S',
      pgrp: 42,
      startTime: 777,
    });
  });

  it('truncated line → undefined', () => {
    expect(parseProcStat('42 (x) S 1 2')).toBeUndefined();
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('parseCmdline', () => {
  it('NUL-separated argv with trailing NUL → args', () => {
    expect(parseCmdline(Buffer.from('java\0-cp\0/x y\0/etc/zoo.cfg\0'))).toEqual([
      'java',
      '-cp',
      '/x y',
      '/etc/zoo.cfg',
    ]);
  });
  it('empty (zombie) → []', () => {
    expect(parseCmdline(Buffer.alloc(0))).toEqual([]);
  });
});

describe('reading /proc', () => {
  it('own process: start time read, alive; wrong start time → not alive', async () => {
    const st = await readProcStat(process.pid);
    expect(st?.pid).toBe(process.pid);
    expect(await probeProcessAlive(process.pid, st?.startTime ?? -1)).toBe(true);
    expect(await probeProcessAlive(process.pid, (st?.startTime ?? 0) + 1)).toBe(false);
  });
});
