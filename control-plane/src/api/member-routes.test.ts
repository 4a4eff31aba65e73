import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, type InstanceObservation } from '@hactl/shared';
import { createApp } from './app.js';
import type { Core } from '../core.js';
import { createTestCore } from '../test-core.js';
import type { AgentCommand, AgentSession } from '../reconcile/fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { testTrust, withBearer } from '../trust/testing.js';
import { plannedGeneration } from '../reconcile/testing.js';

let dir: string;
let store: SqliteStore;
let core: Core;
let app: ReturnType<typeof withBearer>;
let readOnly: ReturnType<typeof withBearer>;
const now = 1_800_000_000_000;
const sent: AgentCommand[] = [];
const session: AgentSession = { sendDesired() {}, sendCommand: (c) => sent.push(c), close() {} };

const spec = (tick: number) => ({
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  settings: { tickTime: tick },
  members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
});

/** Agents report all three serving, member 2 leading; `down` members report not serving. */
function report(down: readonly number[] = []): void {
  for (const i of [1, 2, 3]) {
    const probe = down.includes(i)
      ? { ok: false, serving: false, mode: 'unknown', error: 'connection refused' }
      : i === 2
        ? { ok: true, serving: true, mode: 'leader', syncedFollowers: 2 - down.length }
        : { ok: true, serving: true, mode: 'follower' };
    const inst: Omit<InstanceObservation, 'hostId' | 'reportedAt'> = {
      id: `zk/zk-${i}`,
      process: 'running',
      pid: 100 + i,
      restarts: 0,
      detail: '',
      restartPending: false,
      probeAt: now,
      probe,
    };
    core.fleet.recordStatus(`h${i}`, {
      appliedGeneration: plannedGeneration(core.fleet, `h${i}`),
      applyError: '',
      instances: [inst],
    });
  }
}

const post = (p: string, body: unknown = {}, via = app) =>
  via.request(p, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const runState = (id: string) => core.fleet.planCluster('zk').find((p) => p.id === id)?.runState;
const events = (type: string) => store.listEvents({ limit: 100 }).filter((e) => e.type === type);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-member-routes-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  let ids = 0;
  core = createTestCore(store, { now: () => now, leaseTtlMs: 60_000, newId: () => `a${++ids}` });
  const { trust, adminToken } = testTrust(store, () => now);
  const raw = createApp({
    fleet: core.fleet,
    rollouts: core.rollouts,
    failovers: core.failovers,
    actions: core.actions,
    logger: nullLogger,
    trust,
  });
  app = withBearer(raw, adminToken);
  readOnly = withBearer(raw, trust.createApiToken('viewer', ['read']));
  for (const i of [1, 2, 3])
    core.fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
  core.fleet.applyCluster('zk', spec(2000), { author: 't', message: '' });
  report();
  sent.length = 0;
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('member action routes (issue 13)', () => {
  it('restart: a one-step restart rollout through the lease gates, its gates listed, an event recorded', async () => {
    const res = await post('/v1/clusters/zk/members/zk-1/restart', { reason: 'heap dump' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      instance: string;
      rollout: { id: string; action: string; plan: string[] };
      gates: { gate: string; ok: boolean }[];
    };
    expect(body.instance).toBe('zk/zk-1');
    expect(body.rollout).toMatchObject({ action: 'restart', plan: ['h1 (zk/zk-1)'] });
    expect(body.gates.map((g) => g.gate)).toEqual(
      expect.arrayContaining(['one-at-a-time', 'cluster-healthy']),
    );
    expect(sent).toMatchObject([{ instanceId: 'zk/zk-1', action: 'restart' }]);
    expect(events('member.restart')[0]?.message).toContain('requested by admin: heap dump');
  });

  it('bad member or cluster names → 400 naming the field; unknown cluster or member → 404', async () => {
    const bad = await post('/v1/clusters/zk/members/zk%20one/restart');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('"path":"member"');
    const badCluster = await post('/v1/clusters/ZK/members/zk-1/stop');
    expect(badCluster.status).toBe(400);
    expect(JSON.stringify(await badCluster.json())).toContain('"path":"name"');
    expect((await post('/v1/clusters/zk/members/zk-9/stop')).status).toBe(404);
    expect((await post('/v1/clusters/nope/members/zk-1/start')).status).toBe(404);
    const field = await post('/v1/clusters/zk/members/zk-1/stop', { force: 'yes', extra: 1 });
    expect(field.status).toBe(400);
    expect(JSON.stringify(await field.json())).toMatch(
      /"path":"extra".*"path":"force"|"path":"force".*"path":"extra"/,
    );
  });

  it('actions need the write scope: a read-only token gets 403', async () => {
    expect((await post('/v1/clusters/zk/members/zk-1/stop', {}, readOnly)).status).toBe(403);
    expect((await post('/v1/clusters/zk/members/zk-1/restart', {}, readOnly)).status).toBe(403);
  });

  it('stop with one member down → 409 naming the failing gate and how to force; forcing needs a reason', async () => {
    report([3]);
    const res = await post('/v1/clusters/zk/members/zk-1/stop');
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { message: string; details: { path: string }[] } };
    expect(body.error.message).toContain('stop of zk/zk-1 refused: cluster-healthy');
    expect(body.error.message).toContain('hactl stop zk/zk-1 --force --reason TEXT');
    expect(body.error.details.map((d) => d.path)).toContain('cluster-healthy');
    expect(runState('zk/zk-1')).toBe('running');
    expect(events('member.stop.refused')).toHaveLength(1);
    const noReason = await post('/v1/clusters/zk/members/zk-1/stop', { force: true });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(await noReason.json())).toContain('"path":"reason"');
  });

  it('forced stop: stopped at once (desired state), shown as stopped by the operator, kept across a re-apply; restart refused; start runs it again', async () => {
    report([3]);
    const res = await post('/v1/clusters/zk/members/zk-1/stop', { force: true, reason: 'disk swap' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ state: 'stopped' });
    expect(runState('zk/zk-1')).toBe('stopped');
    expect(events('member.stop.forced')[0]?.message).toContain('reason: disk swap');
    const status = core.fleet.clusterStatus('zk').status;
    expect(status.reason).toContain('zk/zk-1 stopped by admin (forced): disk swap');
    expect(status.members.find((m) => m.instance === 'zk/zk-1')?.stoppedByOperator).toMatchObject({
      by: 'admin',
      forced: true,
    });
    // A rollout of the others waits at cluster-healthy: the gate says whose stop holds it and the way out.
    expect(status.health).not.toBe('healthy');
    expect(core.leases.gates('zk/zk-2').find((g) => g.gate === 'cluster-healthy')?.reason).toContain(
      'zk/zk-1 was stopped by the operator and keeps it below healthy until started (hactl start zk/zk-1)',
    );
    core.fleet.applyCluster('zk', spec(3000), { author: 't', message: 're-apply' });
    expect(runState('zk/zk-1')).toBe('stopped');
    expect((await post('/v1/clusters/zk/members/zk-1/restart')).status).toBe(409);
    const again = await post('/v1/clusters/zk/members/zk-1/stop');
    expect(await again.json()).toMatchObject({ state: 'stopped', message: 'zk/zk-1 is already stopped' });
    const start = await post('/v1/clusters/zk/members/zk-1/start', { reason: 'swapped' });
    expect(start.status).toBe(200);
    expect(runState('zk/zk-1')).toBe('running');
    expect(events('member.start')).toHaveLength(1);
  });

  it('stop of a healthy member: a one-step stop rollout sends remove stop-only; the run state becomes stopped only when the agent is done', async () => {
    const res = await post('/v1/clusters/zk/members/zk-1/stop', { reason: 'maintenance' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { state: string; rollout: { id: string; action: string } };
    expect(body).toMatchObject({ state: 'stopping', rollout: { action: 'stop' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ instanceId: 'zk/zk-1', action: 'remove' });
    expect(sent[0]!.args).toContain('stop-only');
    expect(runState('zk/zk-1')).toBe('running');
    core.fleet.recordCommandResult('h1', {
      id: sent[0]!.id,
      ok: true,
      output: 'stopped under lease',
      error: '',
    });
    expect(runState('zk/zk-1')).toBe('stopped');
    expect(core.rollouts.view(body.rollout.id)).toMatchObject({
      state: 'completed',
      reason: '1 member(s) stopped',
    });
    expect(events('member.stopped')).toHaveLength(1);
    const status = core.fleet.clusterStatus('zk').status;
    expect(status.members.find((m) => m.instance === 'zk/zk-1')?.stoppedByOperator).toMatchObject({
      reason: 'maintenance',
      forced: false,
    });
  });

  it('a Storm standby nimbus (planned stopped by failover: manual) → 409 for restart and stop: nothing runs', async () => {
    core.fleet.applyCluster(
      'st',
      {
        kind: 'storm',
        distribution: { home: '/opt/storm' },
        zookeeper: 'zk',
        nimbus: { hosts: ['h1', 'h2'], failover: 'manual' },
        supervisors: { hosts: ['h3'], slots: [6700] },
        settings: { 'blobstore.dir': '/shared/blobs' },
      },
      { author: 't', message: '' },
    );
    const standby = core.fleet
      .planCluster('st')
      .find((p) => p.role === 'nimbus' && p.runState === 'stopped')!;
    const member = standby.id.split('/')[1]!;
    const stop = await post(`/v1/clusters/st/members/${member}/stop`);
    expect(stop.status).toBe(409);
    expect(((await stop.json()) as { error: { message: string } }).error.message).toContain(
      'not planned to run',
    );
    expect((await post(`/v1/clusters/st/members/${member}/restart`)).status).toBe(409);
  });

  it('files and host status answer 503 when the agent does not answer, 404 for an unknown host', async () => {
    expect((await app.request('/v1/hosts/nope/status')).status).toBe(404);
    expect((await app.request('/v1/hosts/bad%20host/status')).status).toBe(400);
  });
});
