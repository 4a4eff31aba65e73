import { describe, expect, it } from 'vitest';
import { ValidationError } from '@hactl/shared';
import type { ExitFailure__Output, Hello__Output, StatusReport__Output } from '@hactl/proto';
import { parseFailure, parseHello, parseStatus } from './validate.js';

const hello = (dataRoot: string): Hello__Output =>
  ({
    name: 'h1',
    address: '127.0.0.51',
    agentVersion: 't',
    facts: {
      dataRoot,
      labels: {},
      hostname: 'h1',
      os: '',
      kernel: '',
      cpus: 1,
      memoryBytes: '0',
      javaVersion: '',
      nodeVersion: '',
    },
  }) as unknown as Hello__Output;

function problems(h: Hello__Output): string[] {
  try {
    parseHello(h);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details.map((d) => `${d.path}: ${d.message}`);
  }
}

describe('hello: the data root follows the one path rule set (issue 16 #1)', () => {
  it.each<[scenario: string, dataRoot: string, message: RegExp]>([
    ['"/" (every service dir straight under the root)', '/', /must not be "\/"/],
    ['a comma (every Kafka log dir under it would split in two)', '/srv/a,b', /found ","/],
    ['a colon', '/srv/a:b', /found ":"/],
    ['a ".." segment', '/srv/../etc', /"\.\."/],
    ['a "." segment', '/srv/./hactl', /"\." or "\.\."/],
    ['relative', 'relative/dir', /absolute/],
    ['a control character', '/srv/a\nb', /U\+000A/],
  ])('refused: %s', (_s, dataRoot, message) => {
    const p = problems(hello(dataRoot));
    expect(p.length).toBeGreaterThan(0);
    expect(p.every((x) => x.startsWith('hello.facts.dataRoot: '))).toBe(true);
    expect(p.join('\n')).toMatch(message);
  });

  it('accepted in normal form: what the planner derives every default dir from', () => {
    expect(parseHello(hello('/var/lib/hactl')).dataRoot).toBe('/var/lib/hactl');
    expect(parseHello(hello('/var//lib/hactl/')).dataRoot).toBe('/var/lib/hactl');
  });
});

describe('hello: capabilities (what the agent answers beyond the base protocol)', () => {
  const withCaps = (capabilities: string[]) =>
    ({ ...hello('/var/lib/hactl'), capabilities }) as Hello__Output;

  it('none from an agent before the field (absent on the wire) → none; repeats kept once', () => {
    expect(parseHello(hello('/var/lib/hactl')).capabilities).toEqual([]);
    expect(parseHello(withCaps(['probe', 'probe', 'x-2'])).capabilities).toEqual(['probe', 'x-2']);
  });

  it('a name no control plane could know, or more than 32 → left out, the hello accepted (newer agents connect to older control planes)', () => {
    expect(parseHello(withCaps(['probe', 'exec.v2', 'x'.repeat(65)])).capabilities).toEqual(['probe']);
    const many = Array.from({ length: 40 }, (_, i) => `c${i}`);
    expect(parseHello(withCaps(many)).capabilities).toEqual(many.slice(0, 32));
  });
});

describe('hello: the address is one services can bind and advertise', () => {
  it.each(['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', '239.255.255.250', 'ff02::1'])(
    '%s is refused, naming hello.address',
    (address) => {
      expect(problems({ ...hello('/var/lib/hactl'), address })).toEqual([
        expect.stringMatching(/^hello\.address: .* is not a unicast address/),
      ]);
    },
  );

  it.each(['10.0.0.21', '127.0.0.51', '192.168.1.255', '2001:db8::1', 'fe80::1'])(
    '%s is accepted',
    (address) => {
      expect(problems({ ...hello('/var/lib/hactl'), address })).toEqual([]);
    },
  );
});

describe("status: an instance's exit failure is checked at the edge", () => {
  const failure = (o: Partial<ExitFailure__Output> = {}): ExitFailure__Output => ({
    hasExitCode: true,
    exitCode: 2,
    signal: '',
    exitedAtMs: 1_800_000_000_000,
    logFile: '/d/zk/1/logs/zookeeper.log',
    logTail: ['Invalid config, exiting abnormally'],
    ...o,
  });
  const paths = (f: ExitFailure__Output) => {
    const r = parseFailure(f, 'f');
    return r.ok ? [] : r.problems.map((p) => p.path);
  };

  it('a well-formed failure → the member failure with an ISO time', () => {
    expect(parseFailure(failure(), 'f')).toEqual({
      ok: true,
      failure: {
        exitCode: 2,
        signal: null,
        exitedAt: '2027-01-15T08:00:00.000Z',
        logFile: '/d/zk/1/logs/zookeeper.log',
        logTail: ['Invalid config, exiting abnormally'],
      },
    });
    expect(parseFailure(failure({ hasExitCode: false, signal: 'SIGKILL' }), 'f')).toMatchObject({
      ok: true,
      failure: { exitCode: null, signal: 'SIGKILL' },
    });
  });

  it.each<[string, Partial<ExitFailure__Output>, string[]]>([
    ['exit code 300', { exitCode: 300 }, ['f.exitCode']],
    ['neither code nor signal', { hasExitCode: false }, ['f']],
    ['a code and a signal', { signal: 'SIGTERM' }, ['f']],
    ['a signal that is no signal name', { hasExitCode: false, signal: 'kill -9' }, ['f.signal']],
    ['no time', { exitedAtMs: 0 }, ['f.exitedAtMs']],
    ['a relative log path', { logFile: 'logs/zk.log' }, ['f.logFile']],
    ['21 lines', { logTail: Array.from({ length: 21 }, () => 'x') }, ['f.logTail']],
    ['more than 4 KiB', { logTail: ['x'.repeat(3000), 'y'.repeat(1100)] }, ['f.logTail']],
    ['a line holding a line break', { logTail: ['ok', 'a\nb'] }, ['f.logTail[1]']],
  ])('%s → refused at its field', (_n, o, expected) => expect(paths(failure(o))).toEqual(expected));

  it('a report with a bad failure keeps the instance, drops the failure and says why in its detail', () => {
    const report = (f: ExitFailure__Output) =>
      ({
        appliedGeneration: 1,
        applyError: '',
        sentAtMs: 0,
        instances: [
          {
            id: 'zk/zk-1',
            cluster: 'zk',
            kind: 'zookeeper',
            process: 'crashed',
            pid: 0,
            restarts: 3,
            lastExit: '',
            adopted: false,
            detail: 'exit code 2',
            probeAtMs: 0,
            probeJson: '',
            restartPending: false,
            logFiles: [],
            failure: f,
          },
        ],
      }) as unknown as StatusReport__Output;
    const good = parseStatus(report(failure()), () => 'zookeeper').instances[0]!;
    expect(good.failure?.exitCode).toBe(2);
    const bad = parseStatus(report(failure({ exitCode: -5 })), () => 'zookeeper').instances[0]!;
    expect(bad.failure).toBeUndefined();
    expect(bad.detail).toBe(
      'exit code 2; invalid failure report: status.instances[0].failure.exitCode: -5 is not an exit code (0-255)',
    );
  });
});
