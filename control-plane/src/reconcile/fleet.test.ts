import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, type InstanceObservation } from '@hactl/shared';
import { Fleet, type AgentSession } from './fleet.js';
import type { HostDesiredView } from './plan-fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';

let dir: string;
let store: SqliteStore;
let fleet: Fleet;
const now = 1_800_000_000_000;
const latest = new Map<string, HostDesiredView>();
const session = (host: string): AgentSession => ({ sendDesired: (_g, d) => latest.set(host, d), sendCommand() {}, close() {} });

function reportZk(leaderSynced: number | undefined): void {
  for (const i of [1, 2, 3]) {
    const probe = leaderSynced === undefined ? { ok: true, serving: false, mode: 'unknown' } : i === 1 ? { ok: true, serving: true, mode: 'leader', syncedFollowers: leaderSynced } : { ok: true, serving: true, mode: 'follower' };
    const inst: Omit<InstanceObservation, 'hostId' | 'reportedAt'> = { id: `zk/zk-${i}`, process: 'running', pid: 10 + i, restarts: 0, detail: '', restartPending: false, probeAt: now, probe };
    fleet.recordStatus(`h${i}`, { appliedGeneration: 99, applyError: '', instances: [inst] });
  }
}
const kafkaRunState = () => [1, 2, 3].map((i) => latest.get(`h${i}`)?.instances.find((x) => x.kind === 'kafka')?.runState);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-fleet-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  fleet = new Fleet({ store, logger: nullLogger, now: () => now, reportIntervalMs: 1000, randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA' });
  latest.clear();
  for (const i of [1, 2, 3]) fleet.connectAgent({ name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} }, session(`h${i}`));
  fleet.applyCluster('zk', { kind: 'zookeeper', distribution: { home: '/zk' }, members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })) }, { author: 't', message: '' });
  fleet.applyCluster('kafka', { kind: 'kafka', distribution: { home: '/kafka' }, zookeeper: 'zk', brokers: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })) }, { author: 't', message: '' });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('start ordering across clusters', () => {
  it('kafka is held stopped, pending with the reason, until its zookeeper is healthy; then released for good', () => {
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    expect(fleet.clusterStatus('kafka').status).toMatchObject({ health: 'pending', reason: expect.stringMatching(/^waiting for zk \((pending|down)\) to be healthy before the first start$/) });

    reportZk(1); // a quorum serves but one follower is not synced: degraded, still held
    fleet.reconcileTick();
    expect(kafkaRunState()).toEqual(['stopped', 'stopped', 'stopped']);
    expect(fleet.clusterStatus('kafka').status.reason).toMatch(/zk \(degraded\)/);

    reportZk(2);
    expect(fleet.reconcileTick()).toBe(3);
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);

    // A later ZooKeeper outage does not stop brokers that already started.
    reportZk(undefined);
    fleet.reconcileTick();
    fleet.applyCluster('kafka', { kind: 'kafka', distribution: { home: '/kafka' }, zookeeper: 'zk', brokers: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })), settings: { 'num.io.threads': 4 } }, { author: 't', message: '' });
    expect(kafkaRunState()).toEqual(['running', 'running', 'running']);
  });

  it('a new host gets an empty generation 1 and every other host keeps its generation', () => {
    const before = store.listHostDesired().map((r) => [r.host_id, r.generation]);
    fleet.connectAgent({ name: 'h9', address: '127.0.0.19', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} }, session('h9'));
    expect(store.getHostDesired('h9')).toMatchObject({ generation: 1, state_json: '{"instances":[]}' });
    expect(store.listHostDesired().filter((r) => r.host_id !== 'h9').map((r) => [r.host_id, r.generation])).toEqual(before);
  });
});
