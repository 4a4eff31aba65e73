import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, type ClusterStatusBody } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { sandboxHomes } from '../src/sandbox/seed.js';

// Lab slice: 127.0.11.0/24 (zk .1-3, kafka .11-13, es .21-25).
const homes = sandboxHomes(process.env);
const ZK = ['rk-zk1', 'rk-zk2', 'rk-zk3'];
const KAFKA = ['rk-k1', 'rk-k2', 'rk-k3'];
const ES = ['rk-es1', 'rk-es2', 'rk-es3', 'rk-es4', 'rk-es5'];

interface RolloutView {
  id: string;
  state: string;
  reason: string;
  steps: { instance: string; host: string; state: string; finishedAt: string | null; note: string }[];
}

async function runRollout(lab: Lab, cluster: string, onTick: (c: ClusterStatusBody) => void): Promise<RolloutView> {
  const start = await lab.api<RolloutView>('POST', `/v1/clusters/${cluster}/rollouts`, { action: 'restart', gateTimeoutSec: 120 });
  expect(start.status).toBe(201);
  return waitFor(`rollout of ${cluster}`, async () => {
    onTick(await lab.cluster(cluster));
    const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${start.body.id}`)).body;
    if (r.state === 'paused' || r.state === 'aborted') throw new Error(`rollout ${r.state}: ${r.reason}`);
    return r.state === 'completed' ? r : undefined;
  }, { timeoutMs: 240_000, intervalMs: 100 });
}

describe('e2e: rolling restarts of emulated Kafka and Elasticsearch', { timeout: 400_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.create('rollout-kes');
    await lab.startControlPlane();
    for (const [i, h] of ZK.entries()) await lab.startAgent(h, `127.0.11.${i + 1}`);
    for (const [i, h] of KAFKA.entries()) await lab.startAgent(h, `127.0.11.${i + 11}`);
    for (const [i, h] of ES.entries()) await lab.startAgent(h, `127.0.11.${i + 21}`);
    await lab.waitForHosts([...ZK, ...KAFKA, ...ES], 60_000);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('kafka: one broker at a time, the controller last, each only after URP is back to 0', async () => {
    await lab.api('PUT', '/v1/clusters/rk-zk', {
      name: 'rk-zk', kind: 'zookeeper', distribution: { home: homes.zookeeper },
      settings: { tickTime: 500, initLimit: 20, syncLimit: 10 }, jvm: { heap: '128m', flags: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] },
      members: ZK.map((host, i) => ({ host, id: i + 1, adminPort: 0 })),
    });
    await lab.waitForHealth('rk-zk', 'healthy');
    const put = await lab.api('PUT', '/v1/clusters/rk-kafka', {
      name: 'rk-kafka', kind: 'kafka', distribution: { home: homes.kafka }, zookeeper: 'rk-zk',
      brokers: KAFKA.map((host, i) => ({ host, id: i + 1 })),
      settings: { 'zookeeper.session.timeout.ms': 6000, 'default.replication.factor': 3, 'min.insync.replicas': 2 },
    });
    expect(put.status).toBe(200);
    const before = await lab.waitForHealth('rk-kafka', 'healthy', { timeoutMs: 120_000 });
    const controller = before.status.members.find((m) => m.mode === 'controller')!.host;
    let maxDown = 0;
    const done = await runRollout(lab, 'rk-kafka', (c) => {
      maxDown = Math.max(maxDown, c.status.members.filter((m) => m.process !== 'running').length);
    });
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    expect(done.steps[2]!.host).toBe(controller);
    expect(maxDown).toBeLessThanOrEqual(1);
    // Every lease was granted with the cluster healthy: "0 under-replicated" in the gate's values.
    const { body } = await lab.api<{ events: { type: string; message: string; cluster: string }[] }>('GET', '/v1/events?cluster=rk-kafka&limit=100');
    const grants = body.events.filter((e) => e.type === 'lease.granted');
    expect(grants).toHaveLength(3);
    await lab.waitForHealth('rk-kafka', 'healthy');

    // Applying a config change starts an apply rollout over the three brokers: never two down at once.
    const change = await lab.api<{ revision: number; rollout: string }>('PUT', '/v1/clusters/rk-kafka', {
      name: 'rk-kafka', kind: 'kafka', distribution: { home: homes.kafka }, zookeeper: 'rk-zk',
      brokers: KAFKA.map((host, i) => ({ host, id: i + 1 })),
      settings: { 'zookeeper.session.timeout.ms': 6000, 'default.replication.factor': 3, 'min.insync.replicas': 2, 'num.network.threads': 4 },
    });
    expect(change.status).toBe(200);
    expect(change.body.rollout).toBeTruthy();
    let applyMaxDown = 0;
    const applied = await waitFor('the apply rollout to complete', async () => {
      const c = await lab.cluster('rk-kafka');
      applyMaxDown = Math.max(applyMaxDown, c.status.members.filter((m) => m.process !== 'running').length);
      const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${change.body.rollout}`)).body;
      if (r.state === 'paused' || r.state === 'aborted') throw new Error(`rollout ${r.state}: ${r.reason}`);
      return r.state === 'completed' ? r : undefined;
    }, { timeoutMs: 240_000, intervalMs: 100 });
    expect(applied.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    expect(applyMaxDown).toBeLessThanOrEqual(1);
  });

  it('elasticsearch: allocation to primaries and flush before each stop, restored and green after, data nodes first, masters last', async () => {
    const put = await lab.api('PUT', '/v1/clusters/rk-es', {
      name: 'rk-es', kind: 'elasticsearch', distribution: { home: homes.elasticsearch },
      nodes: [
        { host: ES[0], name: 'node-1', roles: ['master'] },
        { host: ES[1], name: 'node-2', roles: ['master'] },
        { host: ES[2], name: 'node-3', roles: ['master'] },
        { host: ES[3], name: 'node-4', roles: ['data_hot', 'ingest'] },
        { host: ES[4], name: 'node-5', roles: ['data_warm'] },
      ],
    });
    expect(put.status).toBe(200);
    const before = await lab.waitForHealth('rk-es', 'healthy', { timeoutMs: 120_000 });
    const master = before.status.members.find((m) => m.mode === 'master')!.host;
    const seen = new Set<string>();
    const done = await runRollout(lab, 'rk-es', () => {
      void fetch('http://127.0.11.21:9200/_cluster/settings', { signal: AbortSignal.timeout(1000) })
        .then((r) => r.json() as Promise<{ persistent?: Record<string, unknown> }>)
        .then((s) => {
          const v = s.persistent?.['cluster.routing.allocation.enable'] ?? (s.persistent?.cluster as { routing?: { allocation?: { enable?: string } } } | undefined)?.routing?.allocation?.enable;
          if (typeof v === 'string') seen.add(v);
        })
        .catch(() => undefined);
    });
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    // Data tiers first (in plan order), then master-eligible nodes, the elected master last.
    expect(done.steps.slice(0, 2).map((s) => s.host).sort()).toEqual([ES[3], ES[4]]);
    expect(done.steps[4]!.host).toBe(master);
    expect(seen.has('primaries')).toBe(true);
    const after = await lab.waitForHealth('rk-es', 'healthy');
    expect(after.status.reason).toMatch(/^green/);
    const settings = (await (await fetch('http://127.0.11.21:9200/_cluster/settings')).json()) as { persistent: Record<string, unknown> };
    expect(JSON.stringify(settings.persistent)).not.toContain('primaries');
  });
});
