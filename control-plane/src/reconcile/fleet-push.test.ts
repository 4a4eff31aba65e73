import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { Fleet, type AgentSession } from './fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';

/**
 * The Fleet's push through its outbox (outbox.ts), with two hosts per event-loop turn: a change
 * that touches five hosts sends two at once and the rest in later turns, and whatever else goes
 * to a host still follows its desired state.
 */
let dir: string;
let store: SqliteStore;
let fleet: Fleet;
/** Everything each session was sent, in order: `desired@<generation>` or `command:<id>`. */
let sent: Map<string, string[]>;
/** The session each host connected with in beforeEach. */
const sessions = new Map<string, AgentSession>();
const hosts = [1, 2, 3, 4, 5].map((i) => `h${i}`);

const session = (host: string, log = sent): AgentSession => ({
  sendDesired: (g) => log.get(host)!.push(`desired@${g}`),
  sendCommand: (cmd) => log.get(host)!.push(`command:${cmd.id}`),
  sendExec: () => log.get(host)!.push('exec'),
  close() {},
});
const hello = (host: string, i: number) => ({
  name: host,
  address: `127.0.0.${20 + i}`,
  agentVersion: 't',
  dataRoot: '/d',
  labels: {},
  facts: {},
});
const ensemble = (tickTime: number) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: { tickTime },
  members: hosts.map((host, i) => ({ host, id: i + 1 })),
});
const nextTurns = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-fleet-push-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  fleet = new Fleet({
    store,
    logger: nullLogger,
    now: () => 1_800_000_000_000,
    reportIntervalMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    checkReplan: true,
    pushSliceHosts: 2,
  });
  sent = new Map(hosts.map((h) => [h, []]));
  hosts.forEach((h, i) => {
    sessions.set(h, session(h));
    fleet.connectAgent(hello(h, i), sessions.get(h)!);
  });
  fleet.applyCluster('zk', ensemble(2000), { author: 't', message: '' });
  await nextTurns();
  for (const log of sent.values()) log.length = 0;
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a push to more hosts than a slice', () => {
  it('sends a slice at once and the rest in later turns, each host its newest generation once', async () => {
    fleet.applyCluster('zk', ensemble(3000), { author: 't', message: '' });
    expect([...sent.values()].filter((l) => l.length).length).toBe(2);
    await nextTurns();
    for (const h of hosts) expect(sent.get(h)).toEqual(['desired@3']);
  });

  it('a command to a host still waiting for its desired state goes after it, and the state is not sent twice', async () => {
    fleet.applyCluster('zk', ensemble(3000), { author: 't', message: '' });
    expect(sent.get('h5')).toEqual([]);
    expect(fleet.sendCommand('h5', { id: 'r1.1', instanceId: 'zk/zk-5', action: 'restart', args: [] })).toBe(
      true,
    );
    expect(fleet.sendExec('h4', { execCancel: { id: 'x1', reason: 'test' } })).toBe(true);
    expect(sent.get('h5')).toEqual(['desired@3', 'command:r1.1']);
    expect(sent.get('h4')).toEqual(['desired@3', 'exec']);
    await nextTurns();
    expect(sent.get('h5')).toEqual(['desired@3', 'command:r1.1']);
    expect(sent.get('h4')).toEqual(['desired@3', 'exec']);
  });

  it('two changes in one turn send each waiting host only the newer one', async () => {
    fleet.applyCluster('zk', ensemble(3000), { author: 't', message: '' });
    fleet.applyCluster('zk', ensemble(4000), { author: 't', message: '' });
    await nextTurns();
    expect(sent.get('h1')).toEqual(['desired@3', 'desired@4']);
    expect(sent.get('h5')).toEqual(['desired@4']);
  });

  it('a host that reconnects while waiting is answered with its stored state, and its old stream gets nothing more', async () => {
    fleet.applyCluster('zk', ensemble(3000), { author: 't', message: '' });
    const old = sent.get('h5')!;
    fleet.disconnectAgent('h5', sessions.get('h5')!);
    const fresh = new Map([['h5', [] as string[]]]);
    const answer = fleet.connectAgent(hello('h5', 4), session('h5', fresh));
    expect(answer.generation).toBe(3);
    await nextTurns();
    expect(old).toEqual([]);
    expect(fresh.get('h5')).toEqual([]);
  });
});
