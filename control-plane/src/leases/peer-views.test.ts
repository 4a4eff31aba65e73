import { describe, expect, it } from 'vitest';
import { nullLogger, serviceKind, type InstancePlan } from '@hactl/shared';
import {
  PEER_PROBE_GAP_MS,
  PEER_PROBE_TIMEOUT_MS,
  peersToProbe,
  PeerViews,
  type PeerView,
} from './peer-views.js';

const peer = (id: string, over: Partial<PeerView> = {}): PeerView => ({
  id: `c/${id}`,
  hostId: `h-${id}`,
  observesPeers: true,
  plannedRunning: true,
  running: true,
  probeable: true,
  probeAt: 900,
  ...over,
});

describe('peersToProbe (pure)', () => {
  it.each<[string, Partial<PeerView>, boolean]>([
    ['a view taken before the request', {}, true],
    ['never probed', { probeAt: 0 }, true],
    ['taken at the request or after', { probeAt: 1000 }, false],
    ['a member whose probe reads only itself', { observesPeers: false }, false],
    ['not running and not planned to (a standby nimbus)', { plannedRunning: false, running: false }, false],
    ['its agent is not connected, or too old to answer the probe query', { probeable: false }, false],
  ])('%s → asked: %s', (_what, over, asked) => {
    expect(peersToProbe([peer('m', over)], 1000).map((m) => m.id)).toEqual(asked ? ['c/m'] : []);
  });

  it('a member planned to run is down → nobody asked: the cluster is unhealthy for that, whatever fresh views say', () => {
    expect(peersToProbe([peer('a'), peer('b', { running: false })], 1000)).toEqual([]);
    // A member planned stopped (a standby nimbus) does not count.
    expect(
      peersToProbe([peer('a'), peer('b', { plannedRunning: false, running: false })], 1000),
    ).toHaveLength(1);
  });

  it('keeps the members in order', () => {
    const ms = [peer('b'), peer('a', { probeAt: 2000 }), peer('c')];
    expect(peersToProbe(ms, 1000).map((m) => m.id)).toEqual(['c/b', 'c/c']);
  });
});

describe('PeerViews (the shell)', () => {
  function setup(members: PeerView[] = [peer('a'), peer('b')]) {
    let now = 10_000;
    const asked: { hostId: string; instanceId: string; timeoutMs: number }[] = [];
    const answers: (() => void)[] = [];
    const logged: unknown[] = [];
    const views = new PeerViews({
      members: () => members,
      probe: (hostId, instanceId, timeoutMs) => {
        asked.push({ hostId, instanceId, timeoutMs });
        return new Promise((resolve) =>
          answers.push(() =>
            resolve(instanceId === 'c/b' ? { ok: false, error: 'timed out' } : { ok: true, error: '' }),
          ),
        );
      },
      now: () => now,
      logger: { ...nullLogger, info: (o: unknown) => logged.push(o) },
      maxGapMs: 5000,
    });
    return { views, asked, answers, logged, advance: (ms: number) => (now += ms) };
  }

  it('asks every stale member with the timeout, resolves true once all answered, and logs the ones that failed', async () => {
    const s = setup();
    let done: boolean | undefined;
    void s.views.refresh('c', 1000).then((r) => (done = r));
    expect(s.asked).toEqual([
      { hostId: 'h-a', instanceId: 'c/a', timeoutMs: PEER_PROBE_TIMEOUT_MS },
      { hostId: 'h-b', instanceId: 'c/b', timeoutMs: PEER_PROBE_TIMEOUT_MS },
    ]);
    s.answers[0]!();
    await Promise.resolve();
    expect(done).toBeUndefined();
    s.answers[1]!();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    expect(s.logged).toEqual([expect.objectContaining({ instance: 'c/b', error: 'timed out' })]);
  });

  it('a request during a refresh joins it; one within the gap after it asks nothing; one after the gap asks again', async () => {
    const s = setup();
    const first = s.views.refresh('c', 1000);
    const joined = s.views.refresh('c', 1000);
    expect(s.asked).toHaveLength(2);
    s.answers.forEach((a) => a());
    await expect(joined).resolves.toBe(true);
    await first;
    s.advance(PEER_PROBE_GAP_MS - 1);
    await expect(s.views.refresh('c', 20_000)).resolves.toBe(false);
    expect(s.asked).toHaveLength(2);
    s.advance(1);
    void s.views.refresh('c', 20_000);
    expect(s.asked).toHaveLength(4);
    // Another cluster has a gap of its own.
    void s.views.refresh('d', 20_000);
    expect(s.asked).toHaveLength(6);
  });

  it('a refresh after which the lease is still refused doubles the gap, up to maxGapMs; a grant puts it back', async () => {
    const s = setup();
    /** Refreshes now, answers every probe asked, and says how many members were asked. */
    const round = async () => {
      const before = s.asked.length;
      const r = s.views.refresh('c', Number.MAX_SAFE_INTEGER);
      s.answers.splice(0).forEach((a) => a());
      await r;
      return (s.asked.length - before) / 2;
    };
    expect(await round()).toBe(1);
    for (const gap of [2000, 4000, 5000, 5000]) {
      // Two refused requests that shared the refresh double the gap once.
      s.views.outcome('c', false);
      s.views.outcome('c', false);
      s.advance(gap - 1);
      expect(await round()).toBe(0);
      s.advance(1);
      expect(await round()).toBe(1);
    }
    s.views.outcome('c', true);
    s.advance(1);
    expect(await round()).toBe(1);
    s.advance(999);
    expect(await round()).toBe(0);
    s.advance(1);
    expect(await round()).toBe(1);
  });

  it('a fleet read that throws → false, logged, nothing asked', async () => {
    const warned: unknown[] = [];
    const views = new PeerViews({
      members: () => {
        throw new Error('no snapshot');
      },
      probe: () => Promise.reject(new Error('not asked')),
      now: () => 0,
      logger: { ...nullLogger, warn: (o: unknown) => warned.push(o) },
      maxGapMs: 5000,
    });
    await expect(views.refresh('c', 1000)).resolves.toBe(false);
    expect(warned).toEqual([expect.objectContaining({ cluster: 'c', err: 'Error: no snapshot' })]);
  });

  it('nothing stale → false at once, and the gap does not start', async () => {
    const s = setup([peer('a', { probeAt: 5000 })]);
    await expect(s.views.refresh('c', 1000)).resolves.toBe(false);
    expect(s.asked).toHaveLength(0);
    void s.views.refresh('c', 6000);
    expect(s.asked).toHaveLength(1);
  });
});

describe('observesPeers (the kinds)', () => {
  it('storm: the UI counts supervisors and a nimbus reads the leader latch; a supervisor reads only its own registration', () => {
    const observes = (role: string) => serviceKind('storm')!.observesPeers!({ role } as InstancePlan<never>);
    expect(['nimbus', 'ui', 'supervisor'].map(observes)).toEqual([true, true, false]);
  });
});
