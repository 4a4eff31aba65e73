import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';
import { checkLeaderLastAtStops } from '../src/lab/leader-last.js';
import {
  EsIndexWriter,
  EsMasterSampler,
  EsShardSampler,
  allocationEnable,
  esAnyNode,
  esAt,
  esRest as rest,
} from '../src/lab/elasticsearch.js';

// Lab slice: 127.0.6.0/24. es1..es3 master-eligible, es4 data_hot+data_content+ingest, es5 data_warm.
const HOSTS = [
  ['es1', '127.0.6.11'],
  ['es2', '127.0.6.12'],
  ['es3', '127.0.6.13'],
  ['es4', '127.0.6.14'],
  ['es5', '127.0.6.15'],
] as const;

/**
 * Real Elasticsearch 8.19 (distributions/elasticsearch, assembled into .dist/). node-4 carries
 * data_content besides data_hot: ordinary indices get `_tier_preference: data_content` and stay
 * unassigned (red) on a cluster without a data or data_content node.
 */
const spec = {
  name: 'es-main',
  kind: 'elasticsearch',
  distribution: { home: distHome('elasticsearch') },
  heap: '256m',
  jvm: { flags: [...LAB_JVM_FLAGS] },
  // Settings real ES must accept as hactl renders them: a list, and a string that needs YAML quoting
  // (the renderer's golden files use the same two).
  settings: {
    'cluster.metadata.owner': 'search team "on call" <search@example.com>',
    'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2'],
  },
  nodes: [
    { host: 'es1', name: 'node-1', roles: ['master'] },
    { host: 'es2', name: 'node-2', roles: ['master'] },
    { host: 'es3', name: 'node-3', roles: ['master'] },
    { host: 'es4', name: 'node-4', roles: ['data_hot', 'data_content', 'ingest'], heap: '384m' },
    { host: 'es5', name: 'node-5', roles: ['data_warm'], attributes: { rack: 'r1' } },
  ],
};

/**
 * `HACTL_RECORD_ES_TESTDATA=1` re-records the parsers' testdata from this real cluster (the
 * `records testdata` test at the end, which takes the cluster apart; see
 * shared/src/services/elasticsearch/testdata/README.md).
 */
const RECORD = process.env.HACTL_RECORD_ES_TESTDATA === '1';
const TESTDATA = path.join(REPO_ROOT, 'shared/src/services/elasticsearch/testdata');
/** The index the rolling-restart test writes to. */
const TRAFFIC = 'traffic';

/** The probe's own `_cat/nodes` request (agent/src/services/elasticsearch/probe.ts). */
const PROBE_CAT_NODES = '/_cat/nodes?format=json&h=name,master,node.role,ip';

/** Writes one recorded body byte for byte (plus a final newline when it has none). */
function save(name: string, answer: { status: number; text: string }, status = 200): void {
  expect(answer.status, `${name}: ${answer.text}`).toBe(status);
  fs.writeFileSync(path.join(TESTDATA, name), answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
  console.log(`recorded ${path.relative(REPO_ROOT, path.join(TESTDATA, name))} (HTTP ${answer.status})`);
}

const member = (c: ClusterStatusBody, host: string) => c.status.members.find((m) => m.host === host)!;
const masters = (c: ClusterStatusBody) => c.status.members.filter((m) => m.mode === 'master');
/** The host of a node of the spec, by its `node.name`. */
const hostOfNode = (node: string) => spec.nodes.find((n) => n.name === node)?.host;

/** When a process started, in epoch ms: /proc/<pid>/stat field 22 (clock ticks after boot, USER_HZ 100) plus btime. */
function processStartMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1]);
  return btime * 1000 + ticks * 10;
}

const vmRssMb = (pid: number) =>
  Math.round(Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);

/** Records when each address first answers `GET /` (a real node opens HTTP only once it joined a cluster or gave up waiting). */
function watchFirstAnswers(addresses: readonly string[]): {
  firstAnswer: Map<string, number>;
  stop: () => Promise<void>;
} {
  const firstAnswer = new Map<string, number>();
  let running = true;
  const loops = addresses.map(async (a) => {
    while (running && !firstAnswer.has(a)) {
      const ok = await fetch(`http://${a}:9200/`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) firstAnswer.set(a, Date.now());
      else await new Promise((r) => setTimeout(r, 200));
    }
  });
  return {
    firstAnswer,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('e2e: control plane + 5 agents run a real Elasticsearch 8.19 cluster', { timeout: 900_000 }, () => {
  let lab: Lab;
  const ymlOf = (host: string, node: string) =>
    path.join(
      lab.agents.get(host)!.stateDir,
      'data',
      'elasticsearch',
      'es-main',
      node,
      'conf',
      'elasticsearch.yml',
    );

  beforeAll(async () => {
    lab = await Lab.create('es');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(
      HOSTS.map(([n]) => n),
      60_000,
    );
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → healthy: green, one elected master among the master-eligible nodes, 5/5 nodes', async () => {
    const started = Date.now();
    const watch = watchFirstAnswers(HOSTS.map(([, a]) => a));
    const put = await lab.api<{ name: string; revision: number; changed: boolean }>(
      'PUT',
      '/v1/clusters/es-main',
      spec,
    );
    expect(put).toMatchObject({ status: 200, body: { name: 'es-main', revision: 1, changed: true } });
    // Five JVMs starting at once on a shared 2-core machine: minutes, not seconds, under load.
    const c = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 480_000 });
    console.log(`apply → healthy: ${Date.now() - started} ms`);
    await watch.stop();
    for (const [host, address] of HOSTS) {
      const m = member(c, host);
      const answered = watch.firstAnswer.get(address);
      console.log(
        `${m.id}: process start → HTTP answering ${answered ? answered - processStartMs(m.pid) : '?'} ms, VmRSS ${vmRssMb(m.pid)} MB, restarts ${m.restarts}`,
      );
    }
    expect(c.status.reason).toMatch(/^green, master node-[123], 5\/5 nodes$/);
    expect(masters(c)).toHaveLength(1);
    expect(['es1', 'es2', 'es3']).toContain(masters(c)[0]!.host);
    expect(member(c, 'es4')).toMatchObject({
      id: 'node-4',
      role: 'data_content,data_hot,ingest',
      mode: 'member',
    });
    // The cluster agrees, asked directly.
    const nodes = (await (
      await fetch('http://127.0.6.14:9200/_cat/nodes?format=json&h=name,master,node.role')
    ).json()) as { name: string; master: string; 'node.role': string }[];
    expect(nodes.map((n) => n.name).sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    expect(nodes.filter((n) => n.master === '*')).toHaveLength(1);
    expect(nodes.find((n) => n.name === 'node-4')!['node.role']).toBe('his');
    expect(nodes.find((n) => n.name === 'node-5')!['node.role']).toBe('w');
    // The quoted string and the list arrived as written (ES parsed hactl's YAML, not just tolerated it).
    const settings = (await (
      await fetch('http://127.0.6.14:9200/_nodes/node-1/settings?flat_settings=true')
    ).json()) as { nodes: Record<string, { settings: Record<string, unknown> }> };
    expect(Object.values(settings.nodes)[0]!.settings).toMatchObject({
      'cluster.metadata.owner': 'search team "on call" <search@example.com>',
      'cluster.routing.allocation.awareness.force.rack.values': ['r1', 'r2'],
    });
    // The header the 8.x client insists on (ProductNotSupportedError without it) comes from the server itself.
    expect((await fetch('http://127.0.6.11:9200/')).headers.get('x-elastic-product')).toBe('Elasticsearch');
    // Every node runs as the unprivileged `elasticsearch` account (ES refuses root).
    for (const [host] of HOSTS)
      expect(
        Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${member(c, host).pid}/status`, 'utf8'))![1]),
      ).not.toBe(0);
  });

  it(
    'a settings change rolls out under indexing traffic: allocation to primaries and flush before each stop, restored and green after, ' +
      'data nodes first, the elected master last; every acknowledged document counted',
    async () => {
      const addresses = HOSTS.map(([, a]) => a);
      const writer = new EsIndexWriter(addresses, TRAFFIC);
      const sampler = new EsShardSampler(addresses, TRAFFIC);
      // Who is master as Elasticsearch itself says, sampled all along: master-last is checked against
      // the master at each stop, not against one read before the rollout. Creating the index, green
      // and the first documents take up to minutes on a loaded machine, a master election can happen
      // meanwhile (a JVM pause past the follower checks), and the engine re-decides the order at
      // each step, so it rightly restarts the new master last.
      const masterSampler = new EsMasterSampler(addresses);
      try {
        await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 120_000 });
        // Two shards with one replica each. The tier preference (data_content, node-4 alone) is taken
        // off, so the replicas go to node-5 (data_warm): a copy of each shard on each data node.
        const create = await esAt(HOSTS[3][1], `/${TRAFFIC}`, {
          method: 'PUT',
          body: { settings: { number_of_shards: 2, number_of_replicas: 1 } },
          timeoutMs: 120_000,
        });
        expect(create.status, await create.clone().text()).toBe(200);
        const untiered = await esAt(HOSTS[3][1], `/${TRAFFIC}/_settings`, {
          method: 'PUT',
          body: { 'index.routing.allocation.include._tier_preference': null },
        });
        expect(untiered.status, await untiered.clone().text()).toBe(200);
        expect(
          (await (
            await esAt(HOSTS[3][1], `/_cluster/health/${TRAFFIC}?wait_for_status=green&timeout=120s`, {
              timeoutMs: 130_000,
            })
          ).json()) as { status: string },
        ).toMatchObject({ status: 'green' });
        const placement = await esAnyNode<{ shard: string; node: string }[]>(
          addresses,
          `/_cat/shards/${TRAFFIC}?format=json&h=shard,node`,
        );
        expect(placement.map((x) => x.node).sort()).toEqual(['node-4', 'node-4', 'node-5', 'node-5']);

        writer.start();
        await waitFor('the first acknowledged documents', () => (writer.acked >= 50 ? true : undefined), {
          timeoutMs: 120_000,
        });
        sampler.start();
        masterSampler.start();
        await waitFor(
          'a first answer of _cat/master',
          () => (masterSampler.samples.length > 0 ? true : undefined),
          { timeoutMs: 60_000, intervalMs: 100 },
        );
        const seen = new Set<string>();
        let maxDown = 0;
        const started = Date.now();
        // A change every node's elasticsearch.yml carries, applied as an operator applies one: the
        // PUT stores it and answers with the rollout and its restart order (the elected master last).
        const masterNow = async () => masters(await lab.cluster('es-main'))[0]?.host;
        const masterBeforePut = await masterNow();
        const put = await lab.api<{ revision: number; rollout: string; restartOrder: string[] }>(
          'PUT',
          '/v1/clusters/es-main?gateTimeoutSec=900',
          { ...spec, settings: { ...spec.settings, 'cluster.metadata.owner': 'search team (rolled)' } },
        );
        expect(put.status, JSON.stringify(put.body)).toBe(200);
        expect(put.body.revision).toBe(2);
        expect(put.body.restartOrder).toHaveLength(5);
        // Data nodes first, the elected master last.
        expect(
          put.body.restartOrder
            .slice(0, 2)
            .map((x) => x.split(' ')[0])
            .sort(),
        ).toEqual(['es4', 'es5']);
        // The order is the engine's when it answered: the elected master in hactl's view just before or
        // just after the PUT, last.
        expect([masterBeforePut, await masterNow()]).toContain(put.body.restartOrder.at(-1)!.split(' ')[0]);
        const done = await lab.waitForRollout<RolloutView>(put.body.rollout, {
          timeoutMs: 1_100_000,
          intervalMs: 200,
          onPoll: async () => {
            if (writer.fatal) throw new Error(writer.fatal);
            const c: ClusterStatusBody = await lab.cluster('es-main');
            maxDown = Math.max(maxDown, c.status.members.filter((m) => m.process !== 'running').length);
            const settings = await esAnyNode<{ persistent?: Record<string, unknown> }>(
              addresses,
              '/_cluster/settings',
            ).catch(() => undefined);
            const v = settings && allocationEnable(settings);
            if (typeof v === 'string') seen.add(v);
          },
        });
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
        await masterSampler.stop();
        expect(writer.fatal).toBeUndefined();

        expect(
          (await esAt(HOSTS[3][1], `/${TRAFFIC}/_refresh`, { method: 'POST', timeoutMs: 60_000 })).status,
        ).toBe(200);
        const count = ((await (await esAt(HOSTS[3][1], `/${TRAFFIC}/_count`)).json()) as { count: number })
          .count;
        console.log(
          `rolling restart of 5 nodes: ${wallMs} ms wall; steps: ${done.steps.map((x) => `${x.host}: ${x.note}`).join('; ')}`,
        );
        console.log(
          `documents: sent ${writer.sent}, acknowledged ${writer.acked}, counted ${count}; ` +
            `${writer.attempts} requests, ${writer.retries} retried (${[...writer.retryCauses].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'})`,
        );
        const window = sampler.samples;
        console.log(
          `shards sampled ${window.length}× (${sampler.failures} samples without an answer): ` +
            `min started copies per shard ${Math.min(...window.map((x) => x.minStarted))}, max unassigned copies ` +
            `${Math.max(...window.map((x) => x.unassigned))}, statuses ${[...new Set(window.map((x) => x.status))].join('/')}`,
        );

        expect(done.steps.map((x) => x.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
        // Data tiers first (in plan order), then master-eligible nodes, the elected master last.
        expect(
          done.steps
            .slice(0, 2)
            .map((x) => x.host)
            .sort(),
        ).toEqual(['es4', 'es5']);
        // The elected master last: every node stopped before the last one (its agent's
        // process_stopping) was not the master in the last _cat/master answer before its stop.
        const masterLast = checkLeaderLastAtStops(
          lab.agentEvents(
            HOSTS.map(([h]) => h),
            'es-main',
            started,
          ),
          done.steps.map((x) => x.host),
          (at) => {
            const node = masterSampler.masterBefore(at);
            return node === undefined ? undefined : (hostOfNode(node) ?? node);
          },
          'master',
        );
        console.log(
          `stops: ${masterLast.said}; _cat/master sampled ${masterSampler.samples.length}× (${masterSampler.failures} without a master named)`,
        );
        expect(masterLast.problems, masterLast.said).toEqual([]);
        expect(seen.has('primaries')).toBe(true);
        expect(maxDown).toBeLessThanOrEqual(1);

        // The traffic: every number written was acknowledged, and the index holds exactly those.
        expect(writer.acked).toBeGreaterThan(100);
        expect(writer.acked).toBe(writer.sent);
        expect(count).toBe(writer.acked);
        // Never both copies of a shard down, never red.
        expect(window.length).toBeGreaterThan(20);
        expect(Math.min(...window.map((x) => x.minStarted))).toBeGreaterThanOrEqual(1);
        expect(window.filter((x) => x.status === 'red')).toEqual([]);
        // Each data node's restart left its shards' replicas unassigned for a while (allocation: primaries).
        expect(Math.max(...window.map((x) => x.unassigned))).toBeGreaterThanOrEqual(1);

        // Five stops by the agents, none counted as a crash.
        const events = lab.agentEvents(
          HOSTS.map(([h]) => h),
          'es-main',
          started,
        );
        expect(
          events
            .filter((e) => e.msg === 'process_stopping')
            .map((e) => e.host)
            .sort(),
        ).toEqual(HOSTS.map(([h]) => h).sort());
        expect(events.filter((e) => e.msg === 'process_exited_unexpectedly')).toEqual([]);
        console.log(
          `exit codes after SIGTERM: ${events
            .filter((e) => e.msg === 'process_stopped')
            .map((e) => `${e.host} ${e.code}`)
            .join(', ')}`,
        );

        const after = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 120_000 });
        expect(after.status.reason).toMatch(/^green, master node-[123], 5\/5 nodes$/);
        for (const m of after.status.members) expect(m.restarts).toBe(0);
        const settings = await esAnyNode<{ persistent: Record<string, unknown> }>(
          addresses,
          '/_cluster/settings',
        );
        expect(allocationEnable(settings)).toBeUndefined();
        expect(JSON.stringify(settings.persistent)).not.toContain('primaries');
      } finally {
        await masterSampler.stop();
        await sampler.stop();
        await writer.stop();
      }
      // The tests below start from the formed cluster without this index.
      expect((await esAt(HOSTS[3][1], `/${TRAFFIC}`, { method: 'DELETE' })).status).toBe(200);
    },
    1_200_000,
  );

  it('an ordinary index is allocated to the data_content node and the cluster stays green', async () => {
    const put = await fetch('http://127.0.6.14:9200/docs', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }),
    });
    expect(put.status).toBe(200);
    const health = (await (
      await fetch('http://127.0.6.14:9200/_cluster/health/docs?wait_for_status=green&timeout=60s')
    ).json()) as { status: string };
    expect(health.status).toBe('green');
    const shards = (await (
      await fetch('http://127.0.6.14:9200/_cat/shards/docs?format=json&h=prirep,state,node')
    ).json()) as { prirep: string; state: string; node: string }[];
    expect(shards).toEqual([{ prirep: 'p', state: 'STARTED', node: 'node-4' }]);
    await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 60_000 });
  });

  it('after formation the learned cluster uuid drops cluster.initial_master_nodes from every rendered elasticsearch.yml', async () => {
    // A node's own `GET /` may still say "_na_" for a moment after the master lists it: wait for all.
    const before = await lab.waitForHealth('es-main', 'healthy', {
      timeoutMs: 120_000,
      where: (c) =>
        new Set(c.status.members.map((m) => m.clusterUuid)).size === 1 &&
        masters(c)[0]?.clusterUuid !== undefined,
    });
    const uuid = masters(before)[0]!.clusterUuid as string;
    expect(uuid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const files = HOSTS.map(([host], i) => ymlOf(host, `node-${i + 1}`));
    await waitFor(
      'the bootstrap list to leave every elasticsearch.yml',
      () =>
        files.every(
          (f) => fs.existsSync(f) && !fs.readFileSync(f, 'utf8').includes('cluster.initial_master_nodes'),
        )
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const yml = fs.readFileSync(files[0]!, 'utf8');
    expect(yml).toContain('discovery.seed_hosts: ["127.0.6.11:9300", "127.0.6.12:9300", "127.0.6.13:9300"]');
    expect(yml).toContain('xpack.security.enabled: false');
    // The running nodes were not restarted for it (the setting only matters at the first start).
    // ...and no restart is even pending (the kind's needsRestart ignores the bootstrap list).
    const after = await lab.waitForHealth('es-main', 'healthy', {
      timeoutMs: 120_000,
      where: (c) => c.status.members.every((m) => !String(m.detail).includes('restart pending')),
    });
    expect(after.status.members.map((m) => m.pid)).toEqual(before.status.members.map((m) => m.pid));
    // The settings change of the rolling-restart case above, and no revision since.
    expect(after.revision).toBe(2);
  });

  it('SIGKILL of a data node → degraded (node missing) → agent restarts it → healthy again', async () => {
    const before = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 120_000 });
    const old = member(before, 'es5');
    const killed = Date.now();
    process.kill(old.pid, 'SIGKILL');
    // The master sees the transport connection close and removes the node at once (no 30 s fault-detection wait).
    const degraded = await lab.waitForHealth('es-main', 'degraded', {
      timeoutMs: 60_000,
      where: (c) => member(c, 'es5').mode === 'unknown',
    });
    expect(degraded.status.reason).toMatch(/4\/5 nodes \(missing node-5\)/);
    // Restarted without cluster.initial_master_nodes (dropped above): it rejoins from its data path's cluster uuid.
    const after = await lab.waitForHealth('es-main', 'healthy', {
      timeoutMs: 300_000,
      where: (c) => member(c, 'es5').pid !== old.pid && member(c, 'es5').pid > 0,
    });
    console.log(`SIGKILL node-5 → healthy again: ${Date.now() - killed} ms`);
    expect(member(after, 'es5').restarts).toBeGreaterThanOrEqual(1);
    expect(alive(old.pid)).toBe(false);
    expect(masters(after)).toHaveLength(1);
    expect(new Set(after.status.members.map((m) => m.clusterUuid)).size).toBe(1);
  });

  it('restarting an agent re-adopts its Elasticsearch process (same pid, matched by the -p pid file path)', async () => {
    const before = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 120_000 });
    const pid = member(before, 'es4').pid;
    // The server JVM is the pid the agent started (bin/elasticsearch execs it) and keeps `-p <file>` in its argv.
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv[0]).toMatch(/java$/);
    expect(argv).toContain(
      path.join(
        lab.agents.get('es4')!.stateDir,
        'data',
        'elasticsearch',
        'es-main',
        'node-4',
        'elasticsearch.pid',
      ),
    );
    await lab.stopAgent('es4');
    expect(alive(pid)).toBe(true);
    await lab.startAgent('es4', '127.0.6.14');
    await lab.waitForHosts(['es4'], 60_000);
    const after = await lab.waitForHealth('es-main', 'healthy', {
      timeoutMs: 120_000,
      where: (c) => member(c, 'es4').process === 'running' && member(c, 'es4').lastProbe !== null,
    });
    expect(member(after, 'es4').pid).toBe(pid);
    // The new agent said so itself (and did not start a second node).
    const log = fs
      .readFileSync(path.join(lab.dir, 'agent-es4.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"instance":"es-main/node-4"'));
    expect(log.some((l) => l.includes('"msg":"process_adopted"') && l.includes(`"pid":${pid}`))).toBe(true);
  });

  it('an invalid spec is refused with every problem listed, the cluster untouched', async () => {
    const bad = {
      ...spec,
      settings: { 'node.master': true },
      nodes: [...spec.nodes.slice(0, 2), { ...spec.nodes[2]!, roles: ['data'] }, ...spec.nodes.slice(3)],
    };
    const res = await lab.api<{ error: { code: string; details: { path: string }[] } }>(
      'PUT',
      '/v1/clusters/es-main',
      bad,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['nodes', 'settings.node.master']);
    expect((await lab.cluster('es-main')).revision).toBe(2);
  });

  it.runIf(RECORD)(
    'records testdata: formed, red, yellow after a node left, no master, never formed',
    async () => {
      const c = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 120_000 });
      const master = masters(c)[0]!;
      const at = (host: string) => HOSTS.find(([h]) => h === host)![1];
      const v = `es${(JSON.parse((await rest(at(master.host), '/')).text) as { version: { number: string } }).version.number}`;
      console.log(`recording ${v} with ${c.status.reason}`);

      // Formed and green: the elected master answers (GET / names it), 5 nodes, the `docs` index.
      save(`root-formed-${v}.json`, await rest(at(master.host), '/'));
      save(`health-green-${v}.json`, await rest(at(master.host), '/_cluster/health'));
      save(`cat-nodes-5-${v}.json`, await rest(at(master.host), PROBE_CAT_NODES));
      save(`cat-nodes-default-columns-${v}.json`, await rest(at(master.host), '/_cat/nodes?format=json'));

      // Red: an index that prefers data_cold, which no node has, so its primary stays unassigned.
      expect(
        (
          await rest(at('es4'), '/logs-red', {
            method: 'PUT',
            body: {
              settings: {
                number_of_shards: 1,
                number_of_replicas: 0,
                'index.routing.allocation.include._tier_preference': 'data_cold',
              },
            },
          })
        ).status,
      ).toBe(200);
      await waitFor(
        'the cluster to go red',
        async () =>
          (JSON.parse((await rest(at('es4'), '/_cluster/health')).text) as { status: string }).status ===
            'red' || undefined,
        { timeoutMs: 60_000 },
      );
      save(`health-red-${v}.json`, await rest(at(master.host), '/_cluster/health'));
      expect((await lab.waitForHealth('es-main', 'down', { timeoutMs: 60_000 })).status.reason).toMatch(
        /^red, master node-\d, 5\/5 nodes; a primary shard is unassigned$/,
      );
      expect((await rest(at('es4'), '/logs-red', { method: 'DELETE' })).status).toBe(200);
      await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 60_000 });

      // Yellow after a node left: `logs-1` with 1 replica, its tier preference removed so the copies sit
      // on node-4 (hot, content) and node-5 (warm); node-5 then dies for good (agent stopped first).
      expect(
        (
          await rest(at('es4'), '/logs-1', {
            method: 'PUT',
            body: { settings: { number_of_shards: 1, number_of_replicas: 1 } },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await rest(at('es4'), '/logs-1/_settings', {
            method: 'PUT',
            body: { 'index.routing.allocation.include._tier_preference': null },
          })
        ).status,
      ).toBe(200);
      await waitFor(
        'logs-1 green on node-4 and node-5',
        async () => {
          const shards = JSON.parse(
            (await rest(at('es4'), '/_cat/shards/logs-1?format=json&h=state,node')).text,
          ) as { state: string; node: string }[];
          return shards.length === 2 &&
            shards.every((x) => x.state === 'STARTED') &&
            new Set(shards.map((x) => x.node)).size === 2
            ? true
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const n5 = member(await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 60_000 }), 'es5');
      await lab.stopAgent('es5');
      process.kill(n5.pid, 'SIGKILL');
      await waitFor(
        'the master to drop node-5',
        async () => {
          const h = JSON.parse((await rest(at(master.host), '/_cluster/health')).text) as {
            status: string;
            number_of_nodes: number;
          };
          return h.status === 'yellow' && h.number_of_nodes === 4 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      save(`health-yellow-node-left-${v}.json`, await rest(at(master.host), '/_cluster/health'));
      save(`cat-nodes-node-left-${v}.json`, await rest(at(master.host), PROBE_CAT_NODES));
      expect(
        (
          await lab.waitForHealth('es-main', 'degraded', {
            timeoutMs: 60_000,
            where: (s) => /yellow/.test(s.status.reason),
          })
        ).status.reason,
      ).toMatch(/^yellow, master node-\d, 4\/5 nodes \(missing node-5\); 1 replica shards unassigned$/);

      // No master: two of the three master-eligible nodes stopped (SIGTERM, agents first); the third
      // keeps the cluster uuid in `GET /` and answers master-node actions with 503.
      const [stay, ...gone] = ['es1', 'es2', 'es3'];
      for (const host of gone) {
        const pid = member(c, host).pid;
        await lab.stopAgent(host);
        process.kill(pid, 'SIGTERM');
        await waitFor(`${host}'s node to exit`, () => (alive(pid) ? undefined : true), { timeoutMs: 60_000 });
      }
      await waitFor(
        'node-1 to lose its master',
        async () =>
          (await rest(at(stay!), '/_cluster/health?master_timeout=500ms')).status === 503 ? true : undefined,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      save(`root-no-master-${v}.json`, await rest(at(stay!), '/'));
      save(
        `health-no-master-503-${v}.json`,
        await rest(at(stay!), '/_cluster/health?master_timeout=500ms'),
        503,
      );
      save(
        `cat-nodes-no-master-503-${v}.json`,
        await rest(at(stay!), `${PROBE_CAT_NODES}&master_timeout=500ms`),
        503,
      );
      expect(
        (
          await lab.waitForHealth('es-main', 'down', {
            timeoutMs: 60_000,
            where: (s) => /^no elected master/.test(s.status.reason),
          })
        ).status.reason,
      ).toBe('no elected master (2/5 nodes answer HTTP)');

      // Never formed: a 3-master cluster of which only one node runs. It opens HTTP once
      // discovery.initial_state_timeout (30 s) passed without a master; `cluster_uuid` is `_na_`.
      const LONE = [
        ['lone1', '127.0.6.21'],
        ['lone2', '127.0.6.22'],
        ['lone3', '127.0.6.23'],
      ] as const;
      for (const [name, address] of LONE) await lab.startAgent(name, address);
      await lab.waitForHosts(
        LONE.map(([n]) => n),
        60_000,
      );
      await lab.stopAgent('lone2');
      await lab.stopAgent('lone3');
      const lone = {
        ...spec,
        name: 'es-lone',
        settings: {},
        nodes: LONE.map(([host], i) => ({ host, name: `lone-${i + 1}`, roles: ['master', 'data_content'] })),
      };
      expect((await lab.api('PUT', '/v1/clusters/es-lone', lone)).status).toBe(200);
      await waitFor(
        'lone-1 to open HTTP without a master',
        async () => ((await rest(LONE[0][1], '/').catch(() => undefined))?.status === 200 ? true : undefined),
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
      save(`root-never-formed-${v}.json`, await rest(LONE[0][1], '/'));
      save(
        `health-never-formed-503-${v}.json`,
        await rest(LONE[0][1], '/_cluster/health?master_timeout=500ms'),
        503,
      );
      expect((await lab.waitForHealth('es-lone', 'down', { timeoutMs: 60_000 })).status.reason).toBe(
        'no elected master (1/3 nodes answer HTTP)',
      );
    },
  );
});
