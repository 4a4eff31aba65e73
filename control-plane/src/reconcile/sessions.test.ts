import { describe, expect, it } from 'vitest';
import { nullLogger } from '@hactl/shared';
import type { Store } from '../store/store.js';
import { AgentSessions, type AgentSession } from './sessions.js';

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

function sessionsWith(hosts: string[], store: ReturnType<typeof fakeStore>): AgentSessions {
  const s = new AgentSessions({ store: store as unknown as Store, logger: nullLogger, now: () => 1000 });
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
