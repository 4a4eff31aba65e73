import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { elasticsearch } from '@hactl/shared';
import { Lab, REPO_ROOT, alive } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';
import { esRest as rest } from '../src/lab/elasticsearch.js';
import { BackgroundLoop } from '../src/lab/loop.js';

// Lab slice: 127.0.25.0/24 (Elasticsearch nodes .11-.14).
const HOSTS = [
  ['rm-es1', '127.0.25.11'],
  ['rm-es2', '127.0.25.12'],
  ['rm-es3', '127.0.25.13'],
  ['rm-es4', '127.0.25.14'],
] as const;
const INDEX = 'docs';

/**
 * Real Elasticsearch 8.19: three master-eligible nodes that also hold the content tier, and one
 * data-only node (node-4), so both removal procedures run: node-4 is drained; node-3 is drained and
 * excluded from the voting configuration.
 */
const spec = {
  name: 'rm-es',
  kind: 'elasticsearch',
  distribution: { home: distHome('elasticsearch') },
  heap: '256m',
  jvm: { flags: [...LAB_JVM_FLAGS] },
  nodes: [
    { host: HOSTS[0][0], name: 'node-1', roles: ['master', 'data_content'] },
    { host: HOSTS[1][0], name: 'node-2', roles: ['master', 'data_content'] },
    { host: HOSTS[2][0], name: 'node-3', roles: ['master', 'data_content'] },
    { host: HOSTS[3][0], name: 'node-4', roles: ['data_content'] },
  ],
};

/** `HACTL_RECORD_ES_TESTDATA=1` writes the replies the pure removal tests read. */
const RECORD = process.env.HACTL_RECORD_ES_TESTDATA === '1';
const TESTDATA = path.join(REPO_ROOT, 'shared/src/services/elasticsearch/testdata');

type Inputs = elasticsearch.ElasticsearchInputs;
interface Peer {
  address: string;
  port: number;
}
interface Report {
  actions: string[];
}

/** The agent's own removal code (built: `pnpm -s build` first), run from the test process. */
interface AgentEs {
  beforeElasticsearchRemoval(inputs: Inputs, opts: { timeoutMs: number; peers?: Peer[] }): Promise<Report>;
  afterElasticsearchRemoval(inputs: Inputs, opts: { timeoutMs: number; peers?: Peer[] }): Promise<Report>;
}

async function agentEs(): Promise<AgentEs> {
  return (await import(path.join(REPO_ROOT, 'agent/dist/services/elasticsearch/removal.js'))) as AgentEs;
}

function save(name: string, answer: { status: number; text: string }): void {
  if (!RECORD) return;
  expect(answer.status, `${name}: ${answer.text}`).toBe(200);
  fs.writeFileSync(path.join(TESTDATA, name), answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
  console.log(`recorded ${path.relative(REPO_ROOT, path.join(TESTDATA, name))}`);
}

/**
 * Documents `PUT /docs/_doc/<n>` one at a time on the surviving nodes while a removal runs; a number
 * counts as acknowledged on a 2xx with no failed shard copy, and is retried (same id) otherwise.
 * Health is sampled on every round.
 */
class Writer {
  private next = 0;
  private node = 0;
  private readonly loop = new BackgroundLoop(() => this.writeOne(), 0);
  readonly acked = new Set<number>();
  readonly statuses = new Map<string, number>();
  /**
   * Every sample that was not green, with what tells its causes apart: Elasticsearch reports red
   * both for an unassigned primary and while the cluster state has no elected master
   * (ClusterStateHealth: a global SERVICE_UNAVAILABLE block makes the status RED).
   */
  readonly notGreen: string[] = [];
  private readonly started = performance.now();
  retries = 0;

  constructor(private readonly via: readonly string[]) {}

  /** The health samples by status, then each one that was not green. */
  samplesText(): string {
    const counts = JSON.stringify(Object.fromEntries(this.statuses));
    return this.notGreen.length ? `${counts} (${this.notGreen.join('; ')})` : counts;
  }

  start(from: number): void {
    this.next = from;
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async writeOne(): Promise<void> {
    const n = this.next;
    const at = this.via[this.node % this.via.length]!;
    try {
      const r = await rest(at, `/${INDEX}/_doc/${n}`, { method: 'PUT', body: { n } });
      const failed = (r.json as { _shards?: { failed?: number } } | undefined)?._shards?.failed;
      if (r.status >= 200 && r.status < 300 && failed === 0) {
        this.acked.add(n);
        this.next++;
      } else {
        this.retries++;
        this.node++;
      }
      // The written index's health: a system index Elasticsearch creates meanwhile (ILM history,
      // GeoIP) is red for a moment at its creation, which says nothing about the removal.
      const h = await rest(at, `/_cluster/health/${INDEX}`);
      const s = (h.json as { status?: string } | undefined)?.status ?? `HTTP ${h.status}`;
      this.statuses.set(s, (this.statuses.get(s) ?? 0) + 1);
      if (s !== 'green') {
        const b = (h.json ?? {}) as Record<string, unknown>;
        const fields = [
          'number_of_nodes',
          'active_primary_shards',
          'unassigned_primary_shards',
          'unassigned_shards',
        ];
        this.notGreen.push(
          `${s} at ${Math.round(performance.now() - this.started)} ms via ${at}: ` +
            fields.map((f) => `${f}=${String(b[f])}`).join(' '),
        );
      }
    } catch {
      this.retries++;
      this.node++;
    }
  }
}

async function stopNode(lab: Lab, host: string, name: string): Promise<void> {
  const pid = (await lab.cluster('rm-es')).status.members.find((m) => m.host === host)!.pid;
  await lab.stopAgent(host);
  process.kill(pid, 'SIGTERM');
  await waitFor(`${name}'s JVM to exit`, () => (alive(pid) ? undefined : true), { timeoutMs: 120_000 });
}

async function count(address: string): Promise<number> {
  await rest(address, `/${INDEX}/_refresh`, { method: 'POST' });
  return ((await rest(address, `/${INDEX}/_count`)).json as { count: number }).count;
}

describe(
  'e2e: removing Elasticsearch 8.19 nodes: a data node drained, a master-eligible node excluded from voting',
  { timeout: 900_000 },
  () => {
    let lab: Lab;
    let agent: AgentEs;
    const inputs = new Map<string, Inputs>();
    const peer = (i: number): Peer => ({ address: HOSTS[i]![1], port: 9200 });

    beforeAll(async () => {
      agent = await agentEs();
      lab = await Lab.create('es-removal');
      await lab.startControlPlane();
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(
        HOSTS.map(([n]) => n),
        90_000,
      );
      expect((await lab.api('PUT', '/v1/clusters/rm-es', spec)).status).toBe(200);
      await lab.waitForHealth('rm-es', 'healthy', { timeoutMs: 300_000 });
      for (const [host] of HOSTS) inputs.set(host, lab.appliedInputs<Inputs>(host, 'elasticsearch'));
      // 4 shards, 1 replica: 8 copies over 4 data nodes, so node-4 holds some.
      expect(
        (
          await rest(HOSTS[0][1], `/${INDEX}`, {
            method: 'PUT',
            body: { settings: { number_of_shards: 4, number_of_replicas: 1 } },
          })
        ).status,
      ).toBe(200);
      const bulk = Array.from({ length: 500 }, (_, n) => `{"index":{"_id":"${n}"}}\n{"n":${n}}\n`).join('');
      const res = await fetch(`http://${HOSTS[0][1]}:9200/${INDEX}/_bulk?refresh=true`, {
        method: 'POST',
        body: bulk,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(((await res.json()) as { errors: boolean }).errors).toBe(false);
      await waitFor(
        'green with node-4 holding shards',
        async () => {
          const h = (await rest(HOSTS[0][1], '/_cluster/health')).json as { status: string };
          const shards = elasticsearch.parseShardsOnNode(
            (await rest(HOSTS[0][1], '/_cat/shards?format=json&h=index,shard,prirep,state,node')).json,
            'node-4',
          );
          return h.status === 'green' && shards.length > 0 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    }, 400_000);

    afterAll(async () => {
      await lab?.destroy();
    });

    it('data node: drained (exclude, wait until it holds no shard), stopped, exclusion cleaned; green throughout, every document there', async () => {
      const writer = new Writer([HOSTS[0][1], HOSTS[1][1]]);
      // Slow recoveries down so the copies moving off node-4 are seen relocating (and the drain waits).
      expect(
        (
          await rest(HOSTS[0][1], '/_cluster/settings', {
            method: 'PUT',
            body: { persistent: { 'indices.recovery.max_bytes_per_sec': '20kb' } },
          })
        ).status,
      ).toBe(200);
      writer.start(500);
      // Watch _cat/shards during the drain: the first answer with a copy relocating off node-4 is testdata.
      let draining = true;
      let relocating: { status: number; text: string } | undefined;
      const watcher = (async () => {
        while (draining && !relocating) {
          const r = await rest(HOSTS[0][1], '/_cat/shards?format=json&h=index,shard,prirep,state,node');
          if (r.text.includes('RELOCATING')) relocating = r;
          else await new Promise((res) => setTimeout(res, 50));
        }
      })();
      const started = Date.now();
      const before = await agent.beforeElasticsearchRemoval(inputs.get(HOSTS[3][0])!, { timeoutMs: 180_000 });
      const drainedMs = Date.now() - started;
      draining = false;
      await watcher;
      await rest(HOSTS[0][1], '/_cluster/settings', {
        method: 'PUT',
        body: { persistent: { 'indices.recovery.max_bytes_per_sec': null } },
      });
      expect(relocating, 'a _cat/shards answer with a copy relocating off node-4').toBeDefined();
      save('cat-shards-node-4-relocating-es8.19.21.json', relocating!);
      save(
        'cat-shards-node-4-drained-es8.19.21.json',
        await rest(HOSTS[0][1], '/_cat/shards?format=json&h=index,shard,prirep,state,node'),
      );
      save(
        'cluster-settings-exclude-node-4-es8.19.21.json',
        await rest(HOSTS[0][1], '/_cluster/settings?flat_settings=true'),
      );
      expect(before.actions[0]).toBe(`${elasticsearch.EXCLUDE_NAME_SETTING} set to "node-4"`);
      expect(before.actions[1]).toMatch(/^node-4 holds no shards; cluster green$/);
      expect(before.actions).toHaveLength(2);
      const onNode4 = elasticsearch.parseShardsOnNode(
        (await rest(HOSTS[0][1], '/_cat/shards?format=json&h=index,shard,prirep,state,node')).json,
        'node-4',
      );
      expect(onNode4).toEqual([]);

      await stopNode(lab, HOSTS[3][0], 'node-4');
      const after = await agent.afterElasticsearchRemoval(inputs.get(HOSTS[3][0])!, {
        timeoutMs: 120_000,
        peers: [peer(3), peer(0)],
      });
      expect(after.actions).toEqual([
        'node-4 has left the cluster (3 nodes)',
        `${elasticsearch.EXCLUDE_NAME_SETTING} set to null`,
      ]);
      await writer.stop();
      const settings = elasticsearch.parseAllocationExcludes(
        (await rest(HOSTS[0][1], '/_cluster/settings?flat_settings=true')).json,
      );
      expect(settings).toEqual({ persistent: [], transient: [] });
      const total = await count(HOSTS[0][1]);
      console.log(
        `es removal of data node-4: drained in ${drainedMs} ms; writer: ${writer.acked.size} acknowledged, ${writer.retries} retried; ` +
          `health samples ${writer.samplesText()}; ${total} documents`,
      );
      expect([...writer.statuses.keys()], writer.notGreen.join('; ')).toEqual(['green']);
      expect(writer.acked.size).toBeGreaterThan(0);
      expect(total).toBe(500 + writer.acked.size);
      const h = (await rest(HOSTS[0][1], '/_cluster/health')).json as {
        status: string;
        number_of_nodes: number;
      };
      expect(h).toMatchObject({ status: 'green', number_of_nodes: 3 });
    });

    it('red cluster: a removal is refused before it changes anything', async () => {
      // An index that cannot be allocated anywhere: its primary stays unassigned.
      expect(
        // wait_for_active_shards=0: the create returns at once instead of waiting 30 s for a primary.
        (
          await rest(HOSTS[0][1], '/stuck?wait_for_active_shards=0', {
            method: 'PUT',
            body: {
              settings: { number_of_replicas: 0, 'index.routing.allocation.require._name': 'nowhere' },
            },
          })
        ).status,
      ).toBe(200);
      await waitFor(
        'red',
        async () =>
          ((await rest(HOSTS[0][1], '/_cluster/health')).json as { status: string }).status === 'red'
            ? true
            : undefined,
        { timeoutMs: 30_000 },
      );
      await expect(
        agent.beforeElasticsearchRemoval(inputs.get(HOSTS[2][0])!, { timeoutMs: 10_000 }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^cluster is red \(\d+ unassigned shards\): not removing node-3 now$/),
      });
      expect(
        elasticsearch.parseAllocationExcludes(
          (await rest(HOSTS[0][1], '/_cluster/settings?flat_settings=true')).json,
        ),
      ).toEqual({ persistent: [], transient: [] });
      expect((await rest(HOSTS[0][1], '/stuck', { method: 'DELETE' })).status).toBe(200);
    });

    it('master-eligible data node: drained and excluded from voting before the stop, exclusions cleared after it left; the cluster keeps a master', async () => {
      const node3 = inputs.get(HOSTS[2][0])!;
      await waitFor(
        'green again',
        async () =>
          ((await rest(HOSTS[0][1], '/_cluster/health')).json as { status: string }).status === 'green'
            ? true
            : undefined,
        { timeoutMs: 60_000 },
      );
      const writer = new Writer([HOSTS[0][1], HOSTS[1][1]]);
      const base = await count(HOSTS[0][1]);
      writer.start(100_000);
      const before = await agent.beforeElasticsearchRemoval(node3, { timeoutMs: 180_000 });
      expect(before.actions).toEqual([
        `${elasticsearch.EXCLUDE_NAME_SETTING} set to "node-3"`,
        'node-3 holds no shards; cluster green',
        'node-3 excluded from the voting configuration',
      ]);
      const coordination = await rest(
        HOSTS[0][1],
        '/_cluster/state/metadata?filter_path=metadata.cluster_coordination',
      );
      save('cluster-coordination-node-3-excluded-es8.19.21.json', coordination);
      const voting = elasticsearch.parseVotingState(coordination.json);
      expect(voting.excluded).toEqual(['node-3']);
      const node3Id = Object.entries(
        ((await rest(HOSTS[2][1], '/_nodes/_local')).json as { nodes: Record<string, { name: string }> })
          .nodes,
      )[0]![0];
      expect(voting.committed).not.toContain(node3Id);

      await stopNode(lab, HOSTS[2][0], 'node-3');
      const after = await agent.afterElasticsearchRemoval(node3, {
        timeoutMs: 120_000,
        peers: [peer(0), peer(1)],
      });
      expect(after.actions).toEqual([
        'node-3 has left the cluster (2 nodes)',
        `${elasticsearch.EXCLUDE_NAME_SETTING} set to null`,
        'voting configuration exclusions cleared',
      ]);
      await writer.stop();
      const cleared = await rest(
        HOSTS[0][1],
        '/_cluster/state/metadata?filter_path=metadata.cluster_coordination',
      );
      save('cluster-coordination-cleared-es8.19.21.json', cleared);
      expect(elasticsearch.parseVotingState(cleared.json).excluded).toEqual([]);
      const h = (await rest(HOSTS[0][1], '/_cluster/health')).json as {
        status: string;
        number_of_nodes: number;
      };
      expect(h).toMatchObject({ status: 'green', number_of_nodes: 2 });
      const total = await count(HOSTS[0][1]);
      console.log(
        `es removal of master-eligible node-3: writer ${writer.acked.size} acknowledged, ${writer.retries} retried; ` +
          `health samples ${writer.samplesText()}; ${total} documents`,
      );
      expect([...writer.statuses.keys()], writer.notGreen.join('; ')).toEqual(['green']);
      expect(total).toBe(base + writer.acked.size);
      // A second run finds nothing to do and changes nothing.
      expect(await agent.afterElasticsearchRemoval(node3, { timeoutMs: 10_000, peers: [peer(0)] })).toEqual({
        actions: [
          'node-3 has left the cluster (2 nodes)',
          `${elasticsearch.EXCLUDE_NAME_SETTING} already leaves out node-3`,
          'no voting configuration exclusions left to clear',
        ],
      });
    });
  },
);
