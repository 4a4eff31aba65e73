import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { LeaderTerm } from './term.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { testConfig } from '../config.js';
import type { TrustService } from '../trust/service.js';
import type { AgentSession } from '../reconcile/fleet.js';
import { reportedInstance } from '../reconcile/testing.js';

/**
 * The term's reconcile pass (rollouts and failovers with it) waits for a push still being
 * written: a change to five hosts, one host per event-loop turn, is written over several turns,
 * and a pass that falls due meanwhile runs after its last slice, not between two of them; one
 * that has waited a whole interval runs at the next one anyway; one still waiting when the term
 * ends is dropped. (The liveness flush waits through the same everyAfterPush.)
 */
let dir: string;
let store: SqliteStore;
let term: LeaderTerm;
let stopped: boolean;
/** What the term's mayAct answers (a replica that lost its lease may not act). */
let mayAct: boolean;
/** The order things happened in: `desired:<host>` as each host's new state is written, `pass`. */
let happened: string[];
const hosts = ['h1', 'h2', 'h3', 'h4', 'h5'];
const REPORT_INTERVAL_MS = 1000;

const session = (host: string): AgentSession => ({
  sendDesired: () => happened.push(`desired:${host}`),
  sendCommand: () => {},
  sendExec: () => {},
  close() {},
});
/** A five-member ensemble: a push to every host, written one host per turn. */
const applyEnsemble = () =>
  term.core.fleet.applyCluster(
    'zk',
    {
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      members: hosts.map((host, i) => ({ host, id: i + 1 })),
    },
    { author: 't', message: '' },
  );
const nextTurns = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

beforeEach(() => {
  // The loops' timers are fake (and the clock, which spaces the hold passes); the push's slices
  // go out in real event-loop turns (setImmediate).
  mayAct = true;
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-term-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  term = new LeaderTerm({
    cfg: {
      ...testConfig(dir),
      reportIntervalMs: REPORT_INTERVAL_MS,
      livenessFlushMs: 60_000,
      pushSliceHosts: 1,
    },
    store,
    logger: nullLogger,
    now: () => Date.now(),
    // Neither TLS nor enrollment is used here: no request reaches the REST app or the agent service.
    trust: {} as TrustService,
    tls: false,
    relaySecret: undefined,
    mayAct: () => mayAct,
    ports: { http: () => 0, grpc: () => 0 },
  });
  hosts.forEach((name, i) =>
    term.core.fleet.connectAgent(
      { name, address: `127.0.0.${30 + i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session(name),
    ),
  );
  const tick = term.core.rollouts.tick.bind(term.core.rollouts);
  vi.spyOn(term.core.rollouts, 'tick').mockImplementation(() => {
    happened.push('pass');
    tick();
  });
  happened = [];
  stopped = false;
});

afterEach(() => {
  if (!stopped) term.stop('test over', false);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  vi.useRealTimers();
});

describe('LeaderTerm: timer passes and a push in flight', () => {
  it('a reconcile pass due while a five-host push is written runs after its last slice', async () => {
    applyEnsemble();
    // The first slice is written at once; four hosts wait for later turns.
    expect(happened).toEqual(['desired:h1']);
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(happened).toEqual(['desired:h1']);
    await nextTurns();
    expect(happened).toEqual(['desired:h1', 'desired:h2', 'desired:h3', 'desired:h4', 'desired:h5', 'pass']);
  });

  it('a pass that has waited a whole interval for a push runs at the next one, and again after the push', async () => {
    applyEnsemble();
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(happened).toEqual(['desired:h1']);
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(happened).toEqual(['desired:h1', 'pass']);
    await nextTurns();
    expect(happened).toEqual([
      'desired:h1',
      'pass',
      'desired:h2',
      'desired:h3',
      'desired:h4',
      'desired:h5',
      'pass',
    ]);
  });

  it('a pass still waiting when the term ends is dropped', async () => {
    applyEnsemble();
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    term.stop('term over', false);
    stopped = true;
    await nextTurns();
    expect(happened).not.toContain('pass');
  });

  it('with no push in flight the pass runs when it falls due', () => {
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(happened).toEqual(['pass']);
  });
});

describe('LeaderTerm: a held cluster starts once its dependency is healthy', () => {
  const runStates = (hostIds: readonly string[]) =>
    hostIds.map((h) => {
      const json = store.getHostDesired(h)?.state_json ?? '{"instances":[]}';
      const state = JSON.parse(json) as { instances: { cluster: string; runState: string }[] };
      return state.instances.find((i) => i.cluster === 'kafka')?.runState;
    });
  /** zk's three members report, serving or not; each report a change (a new pid each call). */
  let pid = 100;
  const reportEnsemble = (serving: boolean) => {
    pid += 10;
    ['h1', 'h2', 'h3'].forEach((host, i) => {
      const probe = !serving
        ? { ok: true, serving: false, mode: 'unknown' }
        : i === 0
          ? { ok: true, serving: true, mode: 'leader', syncedFollowers: 2 }
          : { ok: true, serving: true, mode: 'follower' };
      term.core.fleet.recordStatus(host, {
        appliedGeneration: term.core.fleet.snapshot().desired.get(host)?.generation ?? 0,
        applyError: '',
        instances: [reportedInstance(`zk/zk-${i + 1}`, { pid: pid + i, probeAt: Date.now(), probe })],
      });
    });
  };
  let passes: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    const meta = { author: 't', message: '' };
    const members = ['h1', 'h2', 'h3'].map((host, i) => ({ host, id: i + 1 }));
    term.core.fleet.applyCluster('zk', { kind: 'zookeeper', distribution: { home: '/zk' }, members }, meta);
    term.core.fleet.applyCluster(
      'kafka',
      {
        kind: 'kafka',
        distribution: { home: '/kafka' },
        zookeeper: 'zk',
        brokers: ['h4', 'h5'].map((host, i) => ({ host, id: i + 1 })),
      },
      meta,
    );
    await nextTurns();
    passes = vi.spyOn(term.core.fleet, 'releaseHeld');
    // The periodic pass falls due as the fake clock moves (every second here) and would release
    // kafka too: it does nothing in these tests, so only the hold pass can.
    vi.spyOn(term.core.fleet, 'reconcileTick').mockReturnValue(0);
  });

  it('is released by one pass for the reports of its ensemble, not at the next periodic pass', async () => {
    reportEnsemble(false);
    // One pass for the three reports, 0.1 s later; zk does not serve, so kafka stays held.
    expect(passes).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(passes).toHaveBeenCalledTimes(1);
    expect(passes).toHaveLastReturnedWith(0);
    expect(runStates(['h4', 'h5'])).toEqual(['stopped', 'stopped']);
    // Serving now: the next pass waits until 1 s after the last one, then releases kafka.
    reportEnsemble(true);
    vi.advanceTimersByTime(999);
    expect(passes).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(passes).toHaveBeenCalledTimes(2);
    expect(passes).toHaveLastReturnedWith(2);
    expect(runStates(['h4', 'h5'])).toEqual(['running', 'running']);
    // Each pass is timed apart from the periodic ones.
    const { text } = await term.core.metrics.render();
    expect(text).toMatch(/^hactl_hold_check_duration_seconds_count 2$/m);
  });

  it('is not judged by a pass once the term has ended, nor while this replica may not act', () => {
    reportEnsemble(true);
    mayAct = false;
    vi.advanceTimersByTime(100);
    expect(passes).not.toHaveBeenCalled();
    mayAct = true;
    reportEnsemble(true);
    term.stop('term over', false);
    stopped = true;
    vi.advanceTimersByTime(2000);
    expect(passes).not.toHaveBeenCalled();
    expect(runStates(['h4', 'h5'])).toEqual(['stopped', 'stopped']);
  });
});

describe("LeaderTerm: the agent service's lease requests", () => {
  /** AcquireLease as the gRPC server calls it; resolves with the error's code or the answer. */
  const acquire = (instanceId: string) =>
    new Promise<{ code?: number; granted?: boolean; reason?: string }>((resolve) =>
      term.handlers.AcquireLease(
        { request: { host: 'h1', instanceId, reason: 'test' } } as unknown as Parameters<
          typeof term.handlers.AcquireLease
        >[0],
        (err, res) =>
          resolve(err ? { code: (err as { code?: number }).code } : (res as { granted: boolean })),
      ),
    );

  it('are decided while the term leads and may act; refused as unavailable once the term has ended, though the replica still may', async () => {
    applyEnsemble();
    await nextTurns();
    // Decided: no rollout asks for zk-1, so the answer is a refusal, not an error.
    expect(await acquire('zk/zk-1')).toMatchObject({
      granted: false,
      reason: expect.stringMatching(/^abandon: /),
    });
    mayAct = false;
    expect(await acquire('zk/zk-1')).toEqual({ code: 14 });
    mayAct = true;
    // A lead regained starts a new term with the same holder: the old one must not decide.
    term.stop('term over', false);
    stopped = true;
    expect(await acquire('zk/zk-1')).toEqual({ code: 14 });
  });
});
