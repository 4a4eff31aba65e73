import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, type ClusterStatusBody } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.14.0/24 (Elasticsearch nodes .21-.25).
const ES = ['rk-es1', 'rk-es2', 'rk-es3', 'rk-es4', 'rk-es5'];
const address = (i: number) => `127.0.14.${i + 21}`;
const INDEX = 'traffic';

interface RolloutView {
  id: string;
  state: string;
  reason: string;
  steps: { instance: string; host: string; state: string; finishedAt: string | null; note: string }[];
}

/**
 * Real Elasticsearch 8.19: three master-only nodes and two data nodes that both hold the content tier
 * (ordinary indices prefer data_content), so an index with 1 replica has a copy on each.
 */
const spec = {
  name: 'rk-es',
  kind: 'elasticsearch',
  distribution: { home: distHome('elasticsearch') },
  heap: '256m',
  jvm: { flags: [...LAB_JVM_FLAGS] },
  nodes: [
    { host: ES[0], name: 'node-1', roles: ['master'] },
    { host: ES[1], name: 'node-2', roles: ['master'] },
    { host: ES[2], name: 'node-3', roles: ['master'] },
    { host: ES[3], name: 'node-4', roles: ['data_hot', 'data_content', 'ingest'], heap: '384m' },
    { host: ES[4], name: 'node-5', roles: ['data_warm', 'data_content'], heap: '384m' },
  ],
};

async function es(
  i: number,
  p: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Response> {
  return fetch(`http://${address(i)}:9200${p}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
}

/** The first node that answers, for reads that any node can serve. */
async function anyNode<T>(p: string): Promise<T> {
  let last: unknown;
  for (let i = 0; i < ES.length; i++) {
    try {
      const res = await es(i, p, { timeoutMs: 5000 });
      if (res.ok) return (await res.json()) as T;
      last = new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/**
 * Numbered documents, one request in flight, each `PUT /traffic/_doc/<n>` with the number as its id,
 * so a retry after an ambiguous failure (a node dying mid-request) overwrites instead of adding a
 * second copy. A document counts as acknowledged only on a 2xx whose `_shards.failed` is 0 (the
 * primary and every in-sync replica wrote it). 429, 503 (e.g. a primary being promoted, an
 * unassigned shard after the 10 s `timeout`, the no-master write block while a master is elected),
 * connection errors, `node_closed_exception` from a node shutting down and a 2xx with failed shard
 * copies are retried on the next node; anything else is a test failure. A number is never given up, so sent = acknowledged at the end.
 */
class Writer {
  private next = 0;
  private node = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  acked = 0;
  attempts = 0;
  retries = 0;
  readonly retryCauses = new Map<string, number>();
  fatal: string | undefined;

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running && !this.fatal) {
        const n = this.next++;
        await this.write(n);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }

  private async write(n: number): Promise<void> {
    for (;;) {
      this.attempts++;
      // Every request through the next node: each node coordinates writes, so each restart hits some.
      const i = this.node;
      this.node = (this.node + 1) % ES.length;
      let cause: string;
      try {
        const res = await es(i, `/${INDEX}/_doc/${n}?timeout=10s`, {
          method: 'PUT',
          body: { n, at: Date.now() },
          timeoutMs: 30_000,
        });
        const body = (await res.json()) as { _shards?: { failed: number }; error?: { type?: string } };
        if (res.ok && body._shards?.failed === 0) {
          this.acked++;
          return;
        }
        if (res.ok) cause = `HTTP ${res.status} with ${body._shards?.failed ?? '?'} failed shard copies`;
        else if (res.status === 429 || res.status === 503 || body.error?.type === 'node_closed_exception')
          cause = `HTTP ${res.status} ${body.error?.type ?? ''}`.trim();
        else {
          this.fatal = `doc ${n} on node-${i + 1}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`;
          return;
        }
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        cause = e.cause?.code ?? e.name;
      }
      this.retries++;
      this.retryCauses.set(cause, (this.retryCauses.get(cause) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  get sent(): number {
    return this.next;
  }
}

/**
 * `_cat/shards` and `_cluster/health` sampled from any live node: for every shard of the index, how
 * many copies are STARTED, and the cluster status. "Never both copies down" means every sample
 * shows at least one started copy of each shard.
 */
class ShardSampler {
  private running = false;
  private loop: Promise<void> | undefined;
  readonly samples: { at: number; minStarted: number; unassigned: number; status: string }[] = [];
  failures = 0;

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const [shards, health] = await Promise.all([
            anyNode<{ shard: string; prirep: string; state: string }[]>(
              `/_cat/shards/${INDEX}?format=json&h=shard,prirep,state`,
            ),
            anyNode<{ status: string }>('/_cluster/health?master_timeout=2s'),
          ]);
          const started = new Map<string, number>();
          for (const s of shards)
            started.set(s.shard, (started.get(s.shard) ?? 0) + (s.state === 'STARTED' ? 1 : 0));
          this.samples.push({
            at: Date.now(),
            minStarted: Math.min(...started.values()),
            unassigned: shards.filter((s) => s.state === 'UNASSIGNED').length,
            status: health.status,
          });
        } catch {
          // no master for a moment (the elected master restarting): nothing to sample
          this.failures++;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** What the agents logged about their Elasticsearch JVMs (JSON lines in <lab>/agent-<host>.log). */
function agentEvents(
  lab: Lab,
  since: number,
): { host: string; at: number; msg: string; code?: number | null }[] {
  const out: { host: string; at: number; msg: string; code?: number | null }[] = [];
  for (const host of ES) {
    for (const line of fs.readFileSync(path.join(lab.dir, `agent-${host}.log`), 'utf8').split('\n')) {
      if (!line.includes('"instance":"rk-es/')) continue;
      const e = JSON.parse(line) as { time: string; msg: string; code?: number | null };
      const at = Date.parse(e.time);
      if (at >= since) out.push({ host, at, msg: e.msg, ...('code' in e ? { code: e.code } : {}) });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

function allocationEnable(s: { persistent?: Record<string, unknown> }): unknown {
  return (
    s.persistent?.['cluster.routing.allocation.enable'] ??
    (s.persistent?.cluster as { routing?: { allocation?: { enable?: string } } } | undefined)?.routing
      ?.allocation?.enable
  );
}

describe(
  'e2e: rolling restart of real Elasticsearch 8.19 under indexing traffic',
  { timeout: 1_800_000 },
  () => {
    let lab: Lab;
    const writer = new Writer();
    const sampler = new ShardSampler();

    beforeAll(async () => {
      lab = await Lab.create('rollout-es');
      await lab.startControlPlane();
      for (const [i, h] of ES.entries()) await lab.startAgent(h, address(i));
      await lab.waitForHosts(ES, 60_000);
      const started = Date.now();
      expect((await lab.api('PUT', '/v1/clusters/rk-es', spec)).status).toBe(200);
      await lab.waitForHealth('rk-es', 'healthy', { timeoutMs: 480_000 });
      console.log(`apply → healthy: ${Date.now() - started} ms`);
      // The first index of a new cluster on a loaded machine: its shards can take tens of seconds to start.
      const create = await es(3, `/${INDEX}`, {
        method: 'PUT',
        body: { settings: { number_of_shards: 2, number_of_replicas: 1 } },
        timeoutMs: 120_000,
      });
      expect(create.status, await create.clone().text()).toBe(200);
      expect(
        (await (
          await es(3, `/_cluster/health/${INDEX}?wait_for_status=green&timeout=120s`, { timeoutMs: 130_000 })
        ).json()) as { status: string },
      ).toMatchObject({ status: 'green' });
    }, 600_000); // its own waits allow 480 s for the cluster to form on a loaded machine

    afterAll(async () => {
      await sampler.stop();
      await writer.stop();
      await lab?.destroy();
    });

    it('allocation to primaries and flush before each stop, restored and green after, data nodes first, the elected master last; every acknowledged document counted', async () => {
      const before = await lab.waitForHealth('rk-es', 'healthy', { timeoutMs: 120_000 });
      const master = before.status.members.find((m) => m.mode === 'master')!.host;
      // Both copies of each shard are on the two data nodes, one each.
      const placement = await anyNode<{ shard: string; node: string }[]>(
        `/_cat/shards/${INDEX}?format=json&h=shard,node`,
      );
      expect(placement.map((s) => s.node).sort()).toEqual(['node-4', 'node-4', 'node-5', 'node-5']);

      writer.start();
      await waitFor('the first acknowledged documents', () => (writer.acked >= 50 ? true : undefined), {
        timeoutMs: 120_000,
      });
      sampler.start();
      const seen = new Set<string>();
      let maxDown = 0;
      const started = Date.now();
      const start = await lab.api<RolloutView>('POST', '/v1/clusters/rk-es/rollouts', {
        action: 'restart',
        gateTimeoutSec: 900,
      });
      expect(start.status).toBe(201);
      const done = await waitFor(
        'the rollout of rk-es',
        async () => {
          if (writer.fatal) throw new Error(writer.fatal);
          const c: ClusterStatusBody = await lab.cluster('rk-es');
          maxDown = Math.max(maxDown, c.status.members.filter((m) => m.process !== 'running').length);
          const s = await anyNode<{ persistent?: Record<string, unknown> }>('/_cluster/settings').catch(
            () => undefined,
          );
          const v = s && allocationEnable(s);
          if (typeof v === 'string') seen.add(v);
          const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${start.body.id}`)).body;
          if (r.state === 'paused' || r.state === 'aborted')
            throw new Error(`rollout ${r.state}: ${r.reason}`);
          return r.state === 'completed' ? r : undefined;
        },
        { timeoutMs: 1_500_000, intervalMs: 200 },
      );
      const wallMs = Date.now() - started;
      // A little traffic after the last restart too, then stop and count.
      const ackedAtEnd = writer.acked;
      await waitFor(
        'documents acknowledged after the rollout',
        () => (writer.acked >= ackedAtEnd + 50 || writer.fatal ? true : undefined),
        { timeoutMs: 120_000 },
      );
      await writer.stop();
      await sampler.stop();
      expect(writer.fatal).toBeUndefined();

      expect((await es(3, `/${INDEX}/_refresh`, { method: 'POST', timeoutMs: 60_000 })).status).toBe(200);
      const count = ((await (await es(3, `/${INDEX}/_count`)).json()) as { count: number }).count;
      console.log(
        `rolling restart of 5 nodes: ${wallMs} ms wall; steps: ${done.steps.map((s) => `${s.host}: ${s.note}`).join('; ')}`,
      );
      console.log(
        `documents: sent ${writer.sent}, acknowledged ${writer.acked}, counted ${count}; ${writer.attempts} requests, ${writer.retries} retried (${[...writer.retryCauses].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'})`,
      );
      const window = sampler.samples;
      console.log(
        `shards sampled ${window.length}× (${sampler.failures} samples without an answer): min started copies per shard ${Math.min(...window.map((s) => s.minStarted))}, max unassigned copies ${Math.max(...window.map((s) => s.unassigned))}, statuses ${[...new Set(window.map((s) => s.status))].join('/')}`,
      );

      expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
      // Data tiers first (in plan order), then master-eligible nodes, the elected master last.
      expect(
        done.steps
          .slice(0, 2)
          .map((s) => s.host)
          .sort(),
      ).toEqual([ES[3], ES[4]]);
      expect(done.steps[4]!.host).toBe(master);
      expect(seen.has('primaries')).toBe(true);
      expect(maxDown).toBeLessThanOrEqual(1);

      // The traffic: every number written was acknowledged, and the index holds exactly those.
      expect(writer.acked).toBeGreaterThan(100);
      expect(writer.acked).toBe(writer.sent);
      expect(count).toBe(writer.acked);
      // Never both copies of a shard down, never red.
      expect(window.length).toBeGreaterThan(20);
      expect(Math.min(...window.map((s) => s.minStarted))).toBeGreaterThanOrEqual(1);
      expect(window.filter((s) => s.status === 'red')).toEqual([]);
      // Each data node's restart left its shards' replicas unassigned for a while (allocation: primaries).
      expect(Math.max(...window.map((s) => s.unassigned))).toBeGreaterThanOrEqual(1);

      // Five stops by the agents, none counted as a crash.
      const events = agentEvents(lab, started);
      expect(
        events
          .filter((e) => e.msg === 'process_stopping')
          .map((e) => e.host)
          .sort(),
      ).toEqual([...ES].sort());
      expect(events.filter((e) => e.msg === 'process_exited_unexpectedly')).toEqual([]);
      console.log(
        `exit codes after SIGTERM: ${events
          .filter((e) => e.msg === 'process_stopped')
          .map((e) => `${e.host} ${e.code}`)
          .join(', ')}`,
      );

      const after = await lab.waitForHealth('rk-es', 'healthy', { timeoutMs: 120_000 });
      expect(after.status.reason).toMatch(/^green, master node-[123], 5\/5 nodes$/);
      for (const m of after.status.members) expect(m.restarts).toBe(0);
      const settings = await anyNode<{ persistent: Record<string, unknown> }>('/_cluster/settings');
      expect(allocationEnable(settings)).toBeUndefined();
      expect(JSON.stringify(settings.persistent)).not.toContain('primaries');
    });
  },
);
