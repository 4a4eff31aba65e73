import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatusReport } from '@hactl/proto';
import type { SupervisorStatus } from '../supervisor/index.js';
import { buildStatusReport, Reporter, REPORT_SOON_MS, type ReportedInstance } from './reporter.js';

const status = (over: Partial<SupervisorStatus> = {}): SupervisorStatus =>
  ({ state: 'running', pid: 42, restarts: 0, adopted: false, crashLoop: false, ...over }) as SupervisorStatus;

const instance = (st: SupervisorStatus, over: Partial<ReportedInstance> = {}): ReportedInstance => ({
  spec: { cluster: 'zk', kind: 'zookeeper' },
  supervisor: { status: () => st },
  plan: { logFile: '/l/out.log', serviceLogFiles: ['/l/zk.log'] } as ReportedInstance['plan'],
  restartPending: false,
  ...over,
});

describe('status report (pure)', () => {
  it('a running member with a probe → the probe JSON and its time, its log files, the waiting reason', () => {
    const r = buildStatusReport(
      new Map([['zk/zk-1', instance(status(), { lastProbe: { at: 5, result: { ok: true } } })]]),
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

  it('a crashed member → its reason and crash cause, no stale probe', () => {
    const r = buildStatusReport(
      new Map([
        [
          'zk/zk-1',
          instance(status({ state: 'crashed', pid: undefined, reason: 'exit code 3' }), {
            lastProbe: { at: 5, result: { ok: true } },
            crashCause: { file: '/l/zk.log', line: 'Address already in use' },
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
});

describe('report loop (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(st = status()) {
    const sent: StatusReport[] = [];
    const probed: string[] = [];
    const m = instance(st);
    const reporter = new Reporter({
      instances: { instances: new Map([['zk/zk-1', m]]) },
      probe: (id) => {
        probed.push(id);
        m.lastProbe = { at: 1, result: { ok: true } };
        return Promise.resolve({ ok: true });
      },
      applied: () => ({ generation: 2, error: '' }),
      waiting: new Map(),
      send: (r) => sent.push(r),
      now: () => 0,
      intervalMs: 1000,
    });
    return { reporter, sent, probed, m };
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
    s.m.lastProbe = { at: 1, result: {} };
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
