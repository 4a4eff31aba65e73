import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, kafka, nullLogger } from '@hactl/shared';
import { createApp } from '../api/app.js';
import { testTrust, withBearer } from '../trust/testing.js';
import { createCore, type Core } from '../core.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { AgentSession } from './fleet.js';
import { FORMED_FACT, checkFormed } from './formed.js';
import { reportedInstance, plannedGeneration } from './testing.js';

let dir: string;
let store: SqliteStore;
let core: Core;
let ids: string[];
const now = 1_800_000_000_000;
const session: AgentSession = { sendDesired() {}, sendCommand() {}, close() {} };
const meta = { author: 't', message: '' };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-identity-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  ids = ['MkU3OEVBNTcwNTJENDM2Qg', 'BBBBBBBBBBBBBBBBBBBBBB'];
  core = createCore({
    store,
    logger: nullLogger,
    now: () => now,
    reportIntervalMs: 1000,
    leaseTtlMs: 1000,
    randomId: () => ids.shift() ?? 'CCCCCCCCCCCCCCCCCCCCCC',
    newId: () => 'r1',
  });
  for (const i of [1, 2, 3])
    core.fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session,
    );
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const kraft = (brokerIds = [1, 2, 3]) => ({
  kind: 'kafka',
  distribution: { home: '/kafka' },
  mode: 'kraft',
  brokers: brokerIds.map((id, i) => ({
    host: `h${i + 1}`,
    id,
    roles: ['broker', 'controller'],
    logDirs: ['/data/k'],
  })),
});
/** Every broker of the cluster reported running by its agent. */
function reportRunning(brokerIds: number[]): void {
  brokerIds.forEach((id, i) =>
    core.fleet.recordStatus(`h${i + 1}`, {
      appliedGeneration: plannedGeneration(core.fleet, `h${i + 1}`),
      applyError: '',
      instances: [reportedInstance(`kafka/kafka-${id}`, { pid: 100 + i })],
    }),
  );
}
const facts = () => store.listClusterFacts().get('kafka') ?? {};

describe('formed clusters refuse identity changes', () => {
  it('checkFormed: a running member forms the cluster once; a crashed one does not', () => {
    expect(checkFormed({}, () => [{ instance: 'k/k-1', process: 'crashed' }])).toEqual({ formed: false });
    expect(checkFormed({}, () => [{ instance: 'k/k-1', process: 'running' }])).toEqual({
      formed: true,
      by: 'k/k-1',
    });
    const unread = () => {
      throw new Error('a formed cluster was rolled up to learn what its fact says');
    };
    expect(checkFormed({ [FORMED_FACT]: 'x' }, unread)).toEqual({
      formed: false,
    });
  });

  it('before any member ran, the broker id may change over the same log dirs', () => {
    core.fleet.applyCluster('kafka', kraft([1, 2, 3]), meta);
    core.fleet.reconcileTick();
    expect(facts()[FORMED_FACT]).toBeUndefined();
    expect(core.fleet.applyCluster('kafka', kraft([1, 2, 5]), meta).changed).toBe(true);
  });

  it('kafka: broker id 3 → 7 over the same log dirs after the brokers ran → 409 naming brokers[2].id, nothing stored', async () => {
    core.fleet.applyCluster('kafka', kraft([1, 2, 3]), meta);
    reportRunning([1, 2, 3]);
    core.fleet.reconcileTick();
    expect(facts()[FORMED_FACT]).toBeDefined();
    expect(core.fleet.listEvents({ cluster: 'kafka', limit: 10 }).map((e) => e.type)).toContain(
      'cluster.formed',
    );

    let err: unknown;
    try {
      await core.changes.apply([{ name: 'kafka', spec: kraft([1, 2, 7]) }], meta, {
        rollout: true,
        ownPaths: true,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConflictError);
    const paths = (err as ConflictError).details.map((d) => d.path);
    // The voter set changes too (7 is a controller): both problems at once.
    expect(paths).toEqual(['brokers', 'brokers[2].id']);
    expect(store.maxRevision('kafka')).toBe(1);
    // As POST /v1/apply answers (hactl apply -f), one document as several: under clusters[0], the
    // conflict's message (why) beside its details (where).
    await expect(
      core.changes.apply([{ name: 'kafka', spec: kraft([1, 2, 7]) }], meta, { rollout: true }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'conflict',
        message: '1 of 1 cluster specs cannot be applied; nothing was stored',
        details: [
          { path: 'clusters[0]', message: expect.stringMatching(/^cluster kafka has formed/) as string },
          expect.objectContaining({ path: 'clusters[0].brokers' }),
          expect.objectContaining({ path: 'clusters[0].brokers[2].id' }),
        ],
      }),
    );
    // The dry run refuses the same way.
    await expect(
      core.changes.preview([{ name: 'kafka', spec: kraft([1, 2, 7]) }], meta, { ownPaths: true }),
    ).rejects.toThrow(/has formed/);

    // Over REST: 409 with the field path and why.
    const { trust, adminToken } = testTrust(store, () => 1_800_000_000_000);
    const app = withBearer(
      createApp({
        fleet: core.fleet,
        rollouts: core.rollouts,
        failovers: core.failovers,
        logger: nullLogger,
        trust,
      }),
      adminToken,
    );
    const res = await app.request('/v1/clusters/kafka', {
      method: 'PUT',
      body: JSON.stringify(kraft([1, 2, 7])),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      error: { code: string; details: { path: string; message: string }[] };
    };
    expect(body.error.code).toBe('conflict');
    expect(body.error.details.find((d) => d.path === 'brokers[2].id')?.message).toMatch(/node\.id=3/);
  });

  it('kafka KRaft: deleting and re-creating the cluster keeps its cluster id (the log dirs are formatted with it)', () => {
    core.fleet.applyCluster('kafka', kraft(), meta);
    reportRunning([1, 2, 3]);
    core.fleet.reconcileTick();
    const id = facts()[kafka.KRAFT_CLUSTER_ID_FACT];
    expect(id).toMatch(kafka.KRAFT_CLUSTER_ID_RE);
    core.changes.delete('kafka', meta);
    // The formed fact goes (the dirs may be wiped); the id stays.
    expect(facts()).toEqual({ [kafka.KRAFT_CLUSTER_ID_FACT]: id });
    core.fleet.applyCluster('kafka', kraft(), meta);
    const plans = core.fleet.planCluster('kafka') as readonly { inputs: unknown }[];
    expect(plans.map((p) => (p.inputs as kafka.KafkaInputs).clusterId)).toEqual([id, id, id]);
  });
});
