import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Lab } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.34.0/24.
const HOSTS = [
  ['mz1', '127.0.34.1'],
  ['mz2', '127.0.34.2'],
  ['mz3', '127.0.34.3'],
] as const;

const spec = {
  name: 'zk-metrics',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

interface Summary {
  name: string;
  kind: string;
  health: string;
  members: number;
  ready: number;
}
interface Rollout {
  id: string;
  state: string;
  reason: string;
  steps: { index: number; instance: string; state: string }[];
  current: { instance: string } | null;
}
type Samples = Map<string, { labels: Record<string, string>; value: number }[]>;

describe(
  'e2e: /metrics says what the REST API says, before, during and after a rolling restart of a real ZooKeeper ensemble',
  { timeout: 300_000 },
  () => {
    let lab: Lab;

    async function scrape(): Promise<Samples> {
      const res = await fetch(`${lab.server}/metrics`, { headers: lab.authHeaders() });
      expect(res.status).toBe(200);
      const families = parsePrometheusTextFormat(await res.text());
      return new Map(
        families.map((f) => [
          f.name,
          f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value ?? m.count) })),
        ]),
      );
    }

    const value = (m: Samples, name: string, labels: Record<string, string> = {}) =>
      m.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    async function clusters(): Promise<Summary[]> {
      return (await lab.api<{ clusters: Summary[] }>('GET', '/v1/clusters')).body.clusters;
    }

    /** One scrape between two identical GET /v1/clusters answers (the state held still), with those answers. */
    async function steadyScrape(): Promise<{ m: Samples; rest: Summary[] }> {
      return waitFor('a scrape between two identical cluster listings', async () => {
        const before = await clusters();
        const m = await scrape();
        const after = await clusters();
        return JSON.stringify(before) === JSON.stringify(after) ? { m, rest: after } : undefined;
      });
    }

    function expectClustersMatch(m: Samples, rest: Summary[]): void {
      for (const c of rest) {
        expect(value(m, 'hactl_cluster_health', { cluster: c.name, health: c.health })).toBe(1);
        expect(value(m, 'hactl_cluster_members', { cluster: c.name })).toBe(c.members);
        expect(value(m, 'hactl_cluster_members_ready', { cluster: c.name })).toBe(c.ready);
      }
    }

    beforeAll(async () => {
      lab = await Lab.create('metrics');
      await lab.startControlPlane();
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(HOSTS.map(([n]) => n));
      expect((await lab.api('PUT', '/v1/clusters/zk-metrics', spec)).status).toBe(200);
      await lab.waitForHealth('zk-metrics', 'healthy');
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('healthy ensemble, then each rollout step as GET /v1/rollouts/{id} shows it, then healthy again with three timed steps', async () => {
      const healthy = await steadyScrape();
      expectClustersMatch(healthy.m, healthy.rest);
      // The leader as the same scrape names it: a GET of the cluster after it could already show
      // another one (an election on a loaded machine in between), and its follower count with it.
      const leading = (healthy.m.get('hactl_member_leading') ?? []).filter(
        (x) => x.labels.cluster === 'zk-metrics' && x.value === 1,
      );
      expect(leading).toHaveLength(1);
      expect(
        value(healthy.m, 'hactl_zookeeper_synced_followers', {
          cluster: 'zk-metrics',
          member: leading[0]!.labels.member!,
        }),
      ).toBe(2);
      expect(value(healthy.m, 'hactl_agents_connected')).toBe(3);

      const started = await lab.api<Rollout>('POST', '/v1/clusters/zk-metrics/rollouts', {
        action: 'restart',
      });
      expect(started.status).toBe(201);
      const id = started.body.id;
      const seen = new Set<string>();
      let last: Rollout | undefined;
      await waitFor(
        'the rollout to complete',
        async () => {
          const before = (await lab.api<Rollout>('GET', `/v1/rollouts/${id}`)).body;
          const m = await scrape();
          const after = (await lab.api<Rollout>('GET', `/v1/rollouts/${id}`)).body;
          last = after;
          if (after.state === 'completed') return true;
          if (after.state !== 'running') throw new Error(`rollout ${after.state}: ${after.reason}`);
          // Compare only when the rollout held still around the scrape.
          const still =
            JSON.stringify(before.steps.map((s) => s.state)) ===
            JSON.stringify(after.steps.map((s) => s.state));
          if (still && after.current) {
            const cur = after.steps.find((s) => s.instance === after.current!.instance)!;
            expect(
              value(m, 'hactl_rollout_active', { cluster: 'zk-metrics', rollout: id, state: 'running' }),
            ).toBe(1);
            expect(value(m, 'hactl_rollout_current_step', { rollout: id, member: cur.instance })).toBe(
              cur.index,
            );
            for (const state of new Set(after.steps.map((s) => s.state)))
              expect(value(m, 'hactl_rollout_steps', { rollout: id, state })).toBe(
                after.steps.filter((s) => s.state === state).length,
              );
            seen.add(cur.instance);
          }
          return undefined;
        },
        { timeoutMs: 240_000, intervalMs: 200 },
      );
      expect(last?.state).toBe('completed');
      // Every step was seen in progress by at least one scrape that matched the REST view.
      expect(seen.size).toBeGreaterThanOrEqual(2);

      await lab.waitForHealth('zk-metrics', 'healthy');
      const after = await steadyScrape();
      expectClustersMatch(after.m, after.rest);
      expect(value(after.m, 'hactl_rollout_active', { rollout: id })).toBeUndefined();
      const steps = after.m.get('hactl_rollout_step_duration_seconds') ?? [];
      expect(steps.length).toBeGreaterThan(0);
      expect(value(after.m, 'hactl_lease_grants_total', { cluster: 'zk-metrics' })).toBeGreaterThanOrEqual(3);
    });
  },
);
