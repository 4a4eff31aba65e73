import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatusReport } from '@hactl/proto';
import type { SupervisorStatus } from '../supervisor/index.js';
import { buildStatusReport, Reporter, REPORT_SOON_MS, type ReportedInstance } from './reporter.js';
import { preStartExit } from './instances.js';
import { describeCrashCause } from './crash-cause.js';

const status = (over: Partial<SupervisorStatus> = {}): SupervisorStatus =>
  ({
    state: 'running',
    pid: 42,
    restarts: 0,
    adopted: false,
    crashLoop: false,
    recovering: false,
    ...over,
  }) as SupervisorStatus;

const instance = (st: SupervisorStatus, over: Partial<ReportedInstance> = {}): ReportedInstance => ({
  spec: { cluster: 'zk', kind: 'zookeeper' },
  supervisor: { status: () => st },
  plan: { logFile: '/l/out.log', serviceLogFiles: ['/l/zk.log'] } as ReportedInstance['plan'],
  restartPending: false,
  ...over,
});

describe('status report (pure)', () => {
  it('a start that failed before the process ran (pre-start) → stopped, with what failed, its exit and output', () => {
    const r = buildStatusReport(
      new Map([
        [
          'k/kafka-7',
          instance(status({ state: 'stopped', pid: undefined }), {
            startFailure: {
              what: 'pre-start kafka-storage.sh format',
              exit: { code: 1, signal: null, at: 5 },
              log: {
                file: '',
                lines: ["java.lang.RuntimeException: Stored node id 1 doesn't match previous node id 7"],
              },
            },
          }),
        ],
      ]),
      new Map(),
      { generation: 3, error: '' },
      9,
    );
    expect(r.instances?.[0]).toMatchObject({
      process: 'stopped',
      detail: 'start failed: pre-start kafka-storage.sh format exited with code 1',
      failure: {
        hasExitCode: true,
        exitCode: 1,
        exitedAtMs: 5,
        logFile: '',
        logTail: [expect.stringContaining('Stored node id 1')],
      },
    });
  });

  it.each<[string, { code?: unknown; signal?: unknown }, { code: number | null; signal: string | null }]>([
    ['exit code 1', { code: 1, signal: null }, { code: 1, signal: null }],
    ['killed by the timeout', { code: null, signal: 'SIGTERM' }, { code: null, signal: 'SIGTERM' }],
    ['could not be spawned (ENOENT) → 127', { code: 'ENOENT' }, { code: 127, signal: null }],
  ])('pre-start exit: %s', (_n, err, exit) => expect(preStartExit(err, 3)).toEqual({ ...exit, at: 3 }));

  it('a crash-looping member → its exit (code or signal, time) and the end of its log; a member running normally → none', () => {
    const exit = { code: 2, signal: null, at: 1_800_000_000_000 };
    const log = { file: '/l/zk.log', lines: ['Invalid config, exiting abnormally'] };
    const r = buildStatusReport(
      new Map([
        [
          'zk/zk-1',
          instance(status({ state: 'crashed', pid: undefined, lastExit: exit }), { failureLog: log }),
        ],
        // Restarted, running again, still in its crash loop: still down for the report.
        [
          'zk/zk-2',
          instance(status({ crashLoop: true, lastExit: { code: null, signal: 'SIGKILL', at: 7 } }), {
            failureLog: undefined,
          }),
        ],
        // Stopped on request earlier, running now: that exit is no failure.
        ['zk/zk-3', instance(status({ lastExit: { code: 143, signal: null, at: 7 } }), { failureLog: log })],
      ]),
      new Map(),
      { generation: 3, error: '' },
      9,
    );
    expect(r.instances?.map((i) => i.failure)).toEqual([
      {
        hasExitCode: true,
        exitCode: 2,
        signal: '',
        exitedAtMs: 1_800_000_000_000,
        logFile: '/l/zk.log',
        logTail: ['Invalid config, exiting abnormally'],
      },
      { hasExitCode: false, exitCode: 0, signal: 'SIGKILL', exitedAtMs: 7, logFile: '', logTail: [] },
      undefined,
    ]);
  });

  it('a running member with a probe → the probe JSON and its time, its log files, the waiting reason', () => {
    const r = buildStatusReport(
      new Map([['zk/zk-1', instance(status(), { lastProbe: { at: 5, result: { ok: true }, pid: 42 } })]]),
      new Map([['zk/zk-1', 'restart waiting for lease: held']]),
      { generation: 3, error: '' },
      9,
    );
    expect(r).toMatchObject({ appliedGeneration: 3, applyError: '', sentAtMs: 9 });
    expect(r.instances?.[0]).toMatchObject({
      id: 'zk/zk-1',
      process: 'running',
      pid: 42,
      probeAtMs: 5,
      probeJson: '{"ok":true}',
      detail: 'restart waiting for lease: held',
      logFiles: ['/l/zk.log', '/l/out.log'],
    });
  });

  it('a member restarted since its last probe → no probe until its new process is probed', () => {
    // The last probe found pid 41 leading; pid 42 runs now. Reported as "leader" it would make the
    // control plane think leadership never left the restarted member (or stayed, when it did).
    const probed = (pid: number) =>
      buildStatusReport(
        new Map([['zk/zk-1', instance(status(), { lastProbe: { at: 5, result: { mode: 'leader' }, pid } })]]),
        new Map(),
        { generation: 3, error: '' },
        9,
      ).instances?.[0];
    expect(probed(41)).toMatchObject({ pid: 42, probeAtMs: 0, probeJson: '' });
    expect(probed(42)).toMatchObject({ pid: 42, probeAtMs: 5, probeJson: '{"mode":"leader"}' });
  });

  it('a crashed member → its reason and crash cause, no stale probe', () => {
    const r = buildStatusReport(
      new Map([
        [
          'zk/zk-1',
          instance(status({ state: 'crashed', pid: undefined, reason: 'exit code 3' }), {
            lastProbe: { at: 5, result: { ok: true }, pid: 42 },
            crashCause: { file: '/l/zk.log', line: 'Address already in use', names: true },
          }),
        ],
      ]),
      new Map(),
      { generation: 3, error: '' },
      9,
    );
    expect(r.instances?.[0]).toMatchObject({
      pid: 0,
      probeJson: '',
      probeAtMs: 0,
      detail: 'exit code 3; cause (/l/zk.log): Address already in use',
    });
  });
  it('restarted after a crash and not yet for long (recovering) → the exit, its cause and its log; once settled → none', () => {
    const exit = { code: 1, signal: null, at: 7 };
    const cause = { file: '/l/zk.log', line: 'java.io.IOException: No snapshot found', names: true };
    const log = { file: '/l/zk.log', lines: ['java.io.IOException: No snapshot found'] };
    const r = buildStatusReport(
      new Map([
        // Between two attempts of a crash loop the policy has not declared: starting again.
        [
          'zk/zk-1',
          instance(
            status({ state: 'starting', pid: undefined, restarts: 2, recovering: true, lastExit: exit }),
            {
              crashCause: cause,
              failureLog: log,
            },
          ),
        ],
        // The same member after a run that lasted: the old cause is history.
        [
          'zk/zk-2',
          instance(status({ restarts: 2, lastExit: exit }), { crashCause: cause, failureLog: log }),
        ],
      ]),
      new Map(),
      { generation: 3, error: '' },
      9,
    );
    expect(r.instances?.map((i) => [i.detail, i.failure?.logTail])).toEqual([
      [
        'restarted after it exited with code 1 (2 restarts); cause (/l/zk.log): java.io.IOException: No snapshot found',
        ['java.io.IOException: No snapshot found'],
      ],
      ['', undefined],
    ]);
  });
});

describe('describeCrashCause', () => {
  const last = {
    file: '/l/nimbus.log',
    line: 'Starting thrift server nimbus-thrift-server-6627',
    names: false,
  };
  it.each([
    [
      'a line naming the failure',
      { file: '/l/zk.log', line: 'java.net.BindException: Address already in use', names: true },
      null,
      'cause (/l/zk.log): java.net.BindException: Address already in use',
    ],
    [
      'killed by a signal, the log naming nothing: no cause claimed',
      last,
      'SIGKILL',
      "killed by SIGKILL, which the process could not log: a kill from outside hactl, or the kernel's OOM killer; " +
        'last log line (/l/nimbus.log): Starting thrift server nimbus-thrift-server-6627',
    ],
    [
      'an exit code, the log naming nothing',
      last,
      null,
      'last log line (/l/nimbus.log): Starting thrift server nimbus-thrift-server-6627',
    ],
    [
      'killed by a signal, no log written since',
      undefined,
      'SIGKILL',
      "killed by SIGKILL, which the process could not log: a kill from outside hactl, or the kernel's OOM killer",
    ],
    ['nothing known', undefined, null, ''],
    [
      'the process aborted (a JVM fatal error): its own crash, not a kill from outside',
      undefined,
      'SIGABRT',
      "crashed on SIGABRT (a JVM's fatal error leaves hs_err_pid<pid>.log in its working directory)",
    ],
    ['another signal, named as it is', undefined, 'SIGTERM', 'ended by SIGTERM'],
  ])('%s', (_n, cause, signal, text) => {
    expect(describeCrashCause(cause, signal)).toBe(text);
  });
});

describe('report loop (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(st = status()) {
    const sent: StatusReport[] = [];
    const probed: string[] = [];
    /** Probes and reports in the order they happened. */
    const log: string[] = [];
    const m = instance(st);
    const reporter = new Reporter({
      instances: { instances: new Map([['zk/zk-1', m]]) },
      probe: (id) => {
        probed.push(id);
        log.push(`probe ${id}`);
        m.lastProbe = { at: 1, result: { ok: true }, pid: 42 };
        return Promise.resolve({ ok: true });
      },
      applied: () => ({ generation: 2, error: '' }),
      waiting: new Map(),
      send: (r) => {
        sent.push(r);
        log.push('report');
      },
      now: () => 0,
      intervalMs: 1000,
    });
    return { reporter, sent, probed, log, m };
  }

  it('every interval → probe each running instance, then send one report', async () => {
    const s = setup();
    s.reporter.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.probed).toEqual(['zk/zk-1']);
    expect(s.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.probed).toHaveLength(3);
    expect(s.sent).toHaveLength(3);
    s.reporter.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.sent).toHaveLength(3);
  });

  it('a stopped instance → not probed, its last probe dropped', async () => {
    const s = setup(status({ state: 'stopped', pid: undefined }));
    s.m.lastProbe = { at: 1, result: {}, pid: 42 };
    await s.reporter.probeAll();
    expect(s.probed).toEqual([]);
    expect(s.m.lastProbe).toBeUndefined();
  });

  it('a burst of changes → one report 100 ms later', async () => {
    const s = setup();
    s.reporter.reportSoon();
    s.reporter.reportSoon();
    s.reporter.reportSoon();
    await vi.advanceTimersByTimeAsync(REPORT_SOON_MS - 1);
    expect(s.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.sent).toHaveLength(1);
  });

  it('probeNow (the control plane asks for a fresh view) → that instance probed, then a report carrying the probe', async () => {
    const s = setup();
    await expect(s.reporter.probeNow('zk/zk-1')).resolves.toBe(1);
    expect(s.log).toEqual(['probe zk/zk-1', 'report']);
    expect(s.sent[0]!.instances?.[0]).toMatchObject({
      id: 'zk/zk-1',
      probeAtMs: 1,
      probeJson: '{"ok":true}',
    });
  });

  it('probeNow on an instance this host does not run, or one not running → refused, nothing probed or sent', async () => {
    await expect(setup().reporter.probeNow('zk/zk-9')).rejects.toThrow('this host does not run zk/zk-9');
    const s = setup(status({ state: 'crashed', pid: undefined }));
    await expect(s.reporter.probeNow('zk/zk-1')).rejects.toThrow('zk/zk-1 is crashed: nothing to probe');
    expect(s.probed).toEqual([]);
    expect(s.sent).toEqual([]);
  });

  it('probeNow once the reporter has stopped → probed, no report sent', async () => {
    const s = setup();
    s.reporter.stop();
    await s.reporter.probeNow('zk/zk-1');
    expect(s.probed).toEqual(['zk/zk-1']);
    expect(s.sent).toEqual([]);
  });

  it('the control plane asks for another interval → the loop runs at the new one', async () => {
    const s = setup();
    s.reporter.start();
    await vi.advanceTimersByTimeAsync(0);
    s.reporter.setInterval(250);
    await vi.advanceTimersByTimeAsync(1000);
    // one at start, one right after the change, then every 250 ms
    expect(s.sent.length).toBeGreaterThanOrEqual(5);
    s.reporter.stop();
  });
});
