import { describe, expect, it } from 'vitest';
import { nullLogger, type InstanceObservation } from '@hactl/shared';
import type { Store } from '../store/store.js';
import { AgentSessions, isRenewal, type AgentSession } from './sessions.js';
import { reportedInstance } from './testing.js';

/** The staleness threshold (ms) these sessions judge with. */
const STALE = 16_000;

type Row = { id: string; last_seen_at: number; applied_generation: number };

/** A store with no hosts whose liveness writes are recorded (or refused, while `fail` is set). */
function fakeStore() {
  const writes: Row[][] = [];
  const store = {
    fail: false,
    writes,
    listHosts: () => [],
    recordLiveness(rows: readonly Row[]) {
      if (store.fail) throw new Error('database is locked');
      writes.push([...rows]);
    },
  };
  return store;
}

const session: AgentSession = {
  sendDesired() {},
  sendCommand() {},
  close() {},
};

function sessionsWith(
  hosts: string[],
  store: ReturnType<typeof fakeStore>,
  now: () => number = () => 1000,
): AgentSessions {
  const s = new AgentSessions({
    store: store as unknown as Store,
    logger: nullLogger,
    now,
    staleAfterMs: STALE,
  });
  for (const h of hosts) s.attach(h, session);
  return s;
}

describe('AgentSessions.flushLiveness', () => {
  it('writes at most maxRows hosts per call; the rest stay dirty for the next call', () => {
    const store = fakeStore();
    const s = sessionsWith(['h1', 'h2', 'h3'], store);
    expect(s.flushLiveness(2)).toBe(2);
    expect(s.flushLiveness(2)).toBe(1);
    expect(s.flushLiveness()).toBe(0);
    expect(store.writes.map((w) => w.map((r) => r.id))).toEqual([['h1', 'h2'], ['h3']]);
    expect(store.writes[0]![0]).toEqual({ id: 'h1', last_seen_at: 1000, applied_generation: 0 });
  });

  it('without maxRows writes every dirty host in one call', () => {
    const store = fakeStore();
    const s = sessionsWith(['h1', 'h2', 'h3'], store);
    expect(s.flushLiveness()).toBe(3);
    expect(store.writes).toHaveLength(1);
  });

  it('a write that throws leaves its hosts dirty, so the next flush writes them', () => {
    const store = fakeStore();
    const s = sessionsWith(['h1', 'h2'], store);
    store.fail = true;
    expect(() => s.flushLiveness()).toThrow('database is locked');
    store.fail = false;
    expect(s.flushLiveness()).toBe(2);
    expect(store.writes.map((w) => w.map((r) => r.id))).toEqual([['h1', 'h2']]);
  });
});

/** An observation of zk/zk-1 on h1 as recorded at 10 s, probed at 9 s. */
function obs(o: Partial<InstanceObservation> = {}): InstanceObservation {
  return {
    ...reportedInstance('zk/zk-1', { probeAt: 9_000, probe: { ok: true, mode: 'follower' } }),
    hostId: 'h1',
    reportedAt: 10_000,
    ...o,
  };
}

describe('isRenewal: a report that changes nothing a status view judges (Fleet.status reuses its reader)', () => {
  const NOW = 15_000;
  it.each<[string, InstanceObservation | undefined, InstanceObservation, number, boolean]>([
    [
      'the same content, probed again later → a renewal',
      obs(),
      obs({ probeAt: 14_000, reportedAt: NOW }),
      NOW,
      true,
    ],
    [
      'the same probe as an equal new object → a renewal',
      obs(),
      obs({ probe: { mode: 'follower', ok: true } }),
      NOW,
      true,
    ],
    [
      'never probed, and still not → a renewal',
      obs({ probeAt: 0, probe: undefined }),
      obs({ probeAt: 0, probe: undefined }),
      NOW,
      true,
    ],
    ['nothing before → a change', undefined, obs(), NOW, false],
    ['the first probe → a change', obs({ probeAt: 0, probe: undefined }), obs(), NOW, false],
    [
      'the last probe had gone stale (a member turns fresh again) → a change',
      obs(),
      obs({ probeAt: 26_000 }),
      9_000 + STALE + 1,
      false,
    ],
    [
      'the new probe is already stale (an old probe re-sent) → a change',
      obs({ probeAt: 14_000 }),
      obs({ probeAt: 500 }),
      NOW + 2_000,
      false,
    ],
    [
      'a fresh probe older than the last one → a change',
      obs({ probeAt: 14_000 }),
      obs({ probeAt: 13_000 }),
      NOW,
      false,
    ],
    ['the probe result differs → a change', obs(), obs({ probe: { ok: true, mode: 'leader' } }), NOW, false],
    ['another pid → a change', obs(), obs({ pid: 101 }), NOW, false],
    ['another process state → a change', obs(), obs({ process: 'crashed' }), NOW, false],
    ['one more restart → a change', obs(), obs({ restarts: 1 }), NOW, false],
    ['another detail → a change', obs(), obs({ detail: 'start failed' }), NOW, false],
    ['restart pending now → a change', obs(), obs({ restartPending: true }), NOW, false],
    ['other log files → a change', obs({ logFiles: ['/a.log'] }), obs({ logFiles: ['/b.log'] }), NOW, false],
    [
      'a failure appears → a change',
      obs(),
      obs({
        failure: {
          exitCode: 1,
          signal: null,
          exitedAt: '2026-01-01T00:00:00.000Z',
          logFile: '/l',
          logTail: [],
        },
      }),
      NOW,
      false,
    ],
    ['another host reports it (a moved member) → a change', obs(), obs({ hostId: 'h2' }), NOW, false],
  ])('%s', (_scenario, prev, next, now, renewal) => {
    expect(isRenewal(prev, next, now, STALE)).toBe(renewal);
  });
});

describe('AgentSessions.record: which reports move the version status views cache on', () => {
  const known = new Map([['zk/zk-1', 'zookeeper']]);
  const report = (o: Partial<ReturnType<typeof reportedInstance>> = {}, applied = 1) => ({
    appliedGeneration: applied,
    applyError: '',
    instances: [
      reportedInstance('zk/zk-1', { probeAt: clock - 500, probe: { ok: true, mode: 'follower' }, ...o }),
    ],
    sentAt: clock,
  });
  let clock = 10_000;
  function fresh(): AgentSessions {
    clock = 10_000;
    const s = sessionsWith(['h1'], fakeStore(), () => clock);
    s.record('h1', report(), known);
    return s;
  }

  it('a steady report that renews the last one leaves the version; its times are still recorded', () => {
    const s = fresh();
    const v = s.version;
    clock = 15_000;
    s.record('h1', report(), known);
    expect(s.version).toBe(v);
    expect(s.observation('zk/zk-1')).toMatchObject({ probeAt: 14_500, reportedAt: 15_000 });
    expect(s.livenessOf('h1')!.lastSeen).toBe(15_000);
  });

  it.each<[string, () => ReturnType<typeof report>, number]>([
    ['a new probe result', () => report({ probe: { ok: true, mode: 'leader' } }), 15_000],
    ['a new applied generation', () => report({}, 2), 15_000],
  ])('%s moves the version', (_scenario, next, at) => {
    const s = fresh();
    const v = s.version;
    clock = at;
    s.record('h1', next(), known);
    expect(s.version).toBeGreaterThan(v);
  });

  it('a host heard from after it fell silent moves it, even with nothing probed', () => {
    clock = 10_000;
    const unprobed = { probeAt: 0, probe: undefined };
    const s = sessionsWith(['h1'], fakeStore(), () => clock);
    s.record('h1', report(unprobed), known);
    const v = s.version;
    clock = 12_000;
    s.record('h1', report(unprobed), known);
    expect(s.version).toBe(v);
    clock = 12_000 + STALE + 1;
    s.record('h1', report(unprobed), known);
    expect(s.version).toBeGreaterThan(v);
  });

  it('an instance the host no longer runs is forgotten, and that moves the version', () => {
    const s = fresh();
    const v = s.version;
    s.record('h1', { appliedGeneration: 1, applyError: '', instances: [] }, new Map());
    expect(s.observation('zk/zk-1')).toBeUndefined();
    expect(s.version).toBeGreaterThan(v);
  });

  it('every observation is stored with the same fields in the same order, whatever the report carried', () => {
    // One V8 map for all of them: roll-ups read every member's observation (sessions.ts record).
    const s = fresh();
    const plain = Object.keys(s.observation('zk/zk-1')!);
    const failure = {
      exitCode: 1,
      signal: null,
      exitedAt: '2026-01-01T00:00:09.000Z',
      logFile: '/var/log/zk.log',
      logTail: ['boom'],
    };
    s.record('h1', report({ failure, logFiles: ['/var/log/zk.log'] }), known);
    const full = s.observation('zk/zk-1')!;
    expect(Object.keys(full)).toEqual(plain);
    expect(plain).toEqual([
      'id',
      'hostId',
      'process',
      'pid',
      'restarts',
      'detail',
      'restartPending',
      'probeAt',
      'probe',
      'reportedAt',
      'logFiles',
      'failure',
    ]);
    expect(full).toMatchObject({ failure, logFiles: ['/var/log/zk.log'], hostId: 'h1' });
  });

  it('a host with no liveness yet (never attached) always moves it', () => {
    const s = new AgentSessions({
      store: fakeStore() as unknown as Store,
      logger: nullLogger,
      now: () => clock,
      staleAfterMs: STALE,
    });
    const v = s.version;
    s.record('h9', report(), known);
    expect(s.version).toBeGreaterThan(v);
  });
});

describe('AgentSessions.judgedAlike: whether a view judged at `at` still gives the verdicts of `now`', () => {
  const known = new Map([['zk/zk-1', 'zookeeper']]);
  const at = 10_000;
  const probedAt = (probeAt: number) => ({
    appliedGeneration: 1,
    applyError: '',
    instances: [reportedInstance('zk/zk-1', { probeAt, probe: { ok: true, mode: 'follower' } })],
  });
  it.each<[string, number, number, boolean]>([
    ['a probe fresh then and still fresh now', at - 500, at + 2_000, true],
    ['a probe fresh at `at` and stale at `now`', at - 500, at - 500 + STALE + 1, false],
    ['a probe stale at `at` already: stale then and now', at - STALE - 1, at + 2_000, true],
    ['the same instant', at - 500, at, true],
  ])('%s → %s', (_scenario, probeAt, now, alike) => {
    let clock = at;
    const s = sessionsWith(['h1'], fakeStore(), () => clock);
    s.record('h1', probedAt(probeAt), known);
    // The host reports again at `now` (its own report is fresh then); only the probe's time decides.
    clock = now;
    s.record('h1', probedAt(probeAt), known);
    expect(s.judgedAlike(at, now)).toBe(alike);
  });

  it('a host heard from at `at` and silent at `now` turns its judgement', () => {
    let clock = at;
    const s = sessionsWith(['h1'], fakeStore(), () => clock);
    s.record('h1', { appliedGeneration: 1, applyError: '', instances: [] }, known);
    clock = at + STALE;
    expect(s.judgedAlike(at, clock)).toBe(true);
    expect(s.judgedAlike(at, clock + 1)).toBe(false);
  });
});

describe('AgentSessions.changedSince: which hosts changed after a version', () => {
  const known = new Map([
    ['zk/zk-1', 'zookeeper'],
    ['zk/zk-2', 'zookeeper'],
  ]);
  const report = (id: string, mode: string) => ({
    appliedGeneration: 1,
    applyError: '',
    instances: [reportedInstance(id, { probeAt: 9_500, probe: { ok: true, mode } })],
  });

  it('a change on one host counts for it alone; a renewal for none; closing every session for all', () => {
    const clock = 10_000;
    const s = sessionsWith(['h1', 'h2'], fakeStore(), () => clock);
    s.record('h1', report('zk/zk-1', 'follower'), known);
    s.record('h2', report('zk/zk-2', 'follower'), known);
    const v = s.version;
    s.record('h1', report('zk/zk-1', 'follower'), known); // a renewal
    expect(s.changedSince(['h1', 'h2'], v)).toBe(false);
    s.record('h2', report('zk/zk-2', 'leader'), known); // a change on h2
    expect(s.changedSince(['h1'], v)).toBe(false);
    expect(s.changedSince(['h2'], v)).toBe(true);
    expect(s.changedSince(['h2'], s.version)).toBe(false);
    const w = s.version;
    s.closeAll('test');
    expect(s.changedSince(['h1'], w)).toBe(true);
    expect(s.changedSince([], w)).toBe(true);
  });
});

describe('AgentSessions.freshUntil: when the first fresh judgement of a view turns stale', () => {
  const known = new Map([
    ['zk/zk-1', 'zookeeper'],
    ['zk/zk-2', 'zookeeper'],
  ]);
  const inst = (id: string, probeAt: number) =>
    reportedInstance(id, { probeAt, probe: { ok: true, mode: 'follower' } });

  it('the oldest fresh probe or host report decides; a renewal moves it later, never earlier', () => {
    let clock = 10_000;
    const s = sessionsWith(['h1', 'h2'], fakeStore(), () => clock);
    // h1 and h2 attached at 10 s; their probes were taken at 9 s and 8 s.
    s.record('h1', { appliedGeneration: 1, applyError: '', instances: [inst('zk/zk-1', 9_000)] }, known);
    s.record('h2', { appliedGeneration: 1, applyError: '', instances: [inst('zk/zk-2', 8_000)] }, known);
    expect(s.freshUntil(clock)).toBe(8_000 + STALE + 1);
    clock = 12_000;
    s.record('h2', { appliedGeneration: 1, applyError: '', instances: [inst('zk/zk-2', 11_000)] }, known);
    // Now h1's probe (9 s) is the oldest fresh one.
    expect(s.freshUntil(clock)).toBe(9_000 + STALE + 1);
  });

  it('what is stale already does not count; a host that reports without probes counts by its report', () => {
    const clock = 10_000;
    const s = sessionsWith(['h1'], fakeStore(), () => clock);
    s.record('h1', { appliedGeneration: 1, applyError: '', instances: [inst('zk/zk-1', 1)] }, known);
    // The probe from 1 ms is stale at 10 s + STALE; the host's report at 10 s is not.
    expect(s.freshUntil(clock + STALE)).toBe(10_000 + STALE + 1);
    expect(s.freshUntil(clock + STALE + 1)).toBe(Infinity);
  });
});

describe('AgentSessions.query: a question to an agent ends with its stream', () => {
  /** Sessions of h1 and h2 whose agents never answer; `sent` lists the commands, by host. */
  function silent() {
    const sent: string[] = [];
    const s = new AgentSessions({
      store: fakeStore() as unknown as Store,
      logger: nullLogger,
      now: () => 1000,
      staleAfterMs: STALE,
    });
    const sessionOf = (host: string): AgentSession => ({
      ...session,
      sendCommand: (cmd) => sent.push(`${host} ${cmd.action}`),
    });
    const h1 = sessionOf('h1');
    s.attach('h1', h1);
    s.attach('h2', sessionOf('h2'));
    return { s, sent, h1 };
  }
  const ask = (s: AgentSessions, host: string) =>
    s.query(host, { instanceId: 'zk/zk-1', action: 'probe', args: [] }, 60_000);

  it("the host's stream ends → its questions answered at once, not after the timeout; another host's still wait", async () => {
    const { s, sent, h1 } = silent();
    const asked = ask(s, 'h1');
    let other: unknown;
    void ask(s, 'h2').then((r) => (other = r));
    expect(sent).toEqual(['h1 probe', 'h2 probe']);
    expect(s.detach('h1', h1)).toBe(true);
    await expect(asked).resolves.toMatchObject({
      ok: false,
      error: 'the agent on h1 disconnected before it answered',
    });
    await new Promise((r) => setImmediate(r));
    expect(other).toBeUndefined();
    s.closeAll('term over');
    await new Promise((r) => setImmediate(r));
    expect(other).toMatchObject({ ok: false, error: 'every agent stream was closed: term over' });
  });

  it('a deleted host → its questions answered at once', async () => {
    const { s } = silent();
    const asked = ask(s, 'h1');
    s.forget('h1', 'deleted');
    await expect(asked).resolves.toMatchObject({
      ok: false,
      error: 'host h1 was deleted before its agent answered',
    });
  });
});
