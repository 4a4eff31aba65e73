import { describe, expect, it } from 'vitest';
import { checkAdoption, planAdoptMatch } from './adoption.js';
import { parsePidRecord, renderPidRecord, type PidRecord } from './pid-file.js';
import type { ProcStat } from './proc.js';

const record: PidRecord = {
  pid: 4242,
  startTime: 1000,
  command: '/usr/share/zookeeper/bin/zkServer.sh',
  args: ['start-foreground', '/var/lib/hactl/zk-main/1/zoo.cfg'],
  instanceId: 'zk-main/1',
};
const stat: ProcStat = { pid: 4242, comm: 'java', state: 'S', ppid: 1, pgrp: 4242, startTime: 1000 };
// zkServer.sh start-foreground execs java with the cfg path as its last argument.
const javaArgv = [
  '/usr/bin/java',
  '-Dzookeeper.log.dir=/var/log',
  '-cp',
  '/usr/share/zookeeper/lib/*',
  'org.apache.zookeeper.server.quorum.QuorumPeerMain',
  '/var/lib/hactl/zk-main/1/zoo.cfg',
];
const want = { instanceId: 'zk-main/1', match: planAdoptMatch({ args: record.args }) };

describe('checkAdoption', () => {
  const cases: {
    name: string;
    stat: ProcStat | undefined;
    cmdline: string[] | undefined;
    want?: typeof want;
    adopt: boolean;
    reason?: RegExp;
  }[] = [
    {
      name: 'zk: same pid, same start time, java argv has the cfg path → adopt',
      stat,
      cmdline: javaArgv,
      adopt: true,
    },
    { name: 'process gone → fresh start', stat: undefined, cmdline: undefined, adopt: false, reason: /gone/ },
    {
      name: 'pid reused (start time differs) → fresh start',
      stat: { ...stat, startTime: 2000 },
      cmdline: javaArgv,
      adopt: false,
      reason: /reused/,
    },
    {
      name: 'zombie → fresh start',
      stat: { ...stat, state: 'Z' },
      cmdline: [],
      adopt: false,
      reason: /zombie/,
    },
    {
      name: 'argv lacks the cfg path → fresh start',
      stat,
      cmdline: ['/usr/bin/java', 'Other'],
      adopt: false,
      reason: /lacks \/var\/lib\/hactl/,
    },
    {
      name: 'pid file of another instance → fresh start',
      stat,
      cmdline: javaArgv,
      want: { ...want, instanceId: 'zk-main/2' },
      adopt: false,
      reason: /belongs to/,
    },
    {
      name: 'explicit adoptMatch as substring (--config=/x) → adopt',
      stat,
      cmdline: ['svc', '--config=/etc/svc.yml'],
      want: { ...want, match: ['/etc/svc.yml'] },
      adopt: true,
    },
    {
      name: 'nothing to match → pid + start time decide',
      stat,
      cmdline: ['anything'],
      want: { ...want, match: [] },
      adopt: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = checkAdoption(record, c.want ?? want, c.stat, c.cmdline);
      expect(got.adopt).toBe(c.adopt);
      if (c.reason && !got.adopt) expect(got.reason).toMatch(c.reason);
    });
  }
});

describe('planAdoptMatch', () => {
  it('defaults to the absolute-path args; adoptMatch overrides', () => {
    expect(planAdoptMatch({ args: ['start-foreground', '/a/zoo.cfg', 'rel/x'] })).toEqual(['/a/zoo.cfg']);
    expect(planAdoptMatch({ args: ['/a/zoo.cfg'], adoptMatch: ['QuorumPeerMain'] })).toEqual([
      'QuorumPeerMain',
    ]);
  });
});

describe('pid records', () => {
  it('render → parse round trip', () => {
    expect(parsePidRecord(renderPidRecord(record))).toEqual({ record });
  });
  it('damaged or foreign pid files → reason', () => {
    expect(parsePidRecord('4242\n')).toMatchObject({ reason: expect.stringMatching(/object/) as unknown });
    expect(parsePidRecord('{"pid":')).toMatchObject({ reason: expect.stringMatching(/JSON/) as unknown });
    expect(parsePidRecord(JSON.stringify({ ...record, pid: 1 }))).toMatchObject({
      reason: expect.stringMatching(/pid/) as unknown,
    });
    expect(parsePidRecord(JSON.stringify({ ...record, args: [1] }))).toMatchObject({
      reason: expect.stringMatching(/args/) as unknown,
    });
  });
});
