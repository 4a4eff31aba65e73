import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors, type Client } from '@elastic/elasticsearch';
import { waitFor } from '../../../src/lab/wait.js';
import { catNodes, claimSlice, EsLab, type NodeSpec } from './es-lab.js';

// Lab slice 127.0.3.0/24: nodes on 127.0.3.11-16, standard ports 9200/9300 each.
// Conformance against service-facts.md section 4 and the ES rows of section 5, using the real
// @elastic/elasticsearch 8.x client. One cluster is shared by the whole file; tests run in order.

const MASTERS = ['es-1', 'es-2', 'es-3'];
const SEEDS = ['127.0.3.11', '127.0.3.12', '127.0.3.13'];
const COMMON = {
  'cluster.name': 'hactl-es-conformance',
  'discovery.seed_hosts': SEEDS,
  // Real ES settings (defaults 1s); shorter so failover tests stay fast.
  'cluster.fault_detection.leader_check.interval': '300ms',
  'cluster.fault_detection.follower_check.interval': '300ms',
};
const SPECS: Record<string, NodeSpec> = {
  'es-1': { name: 'es-1', ip: '127.0.3.11', settings: { ...COMMON, 'node.attr.rack': 'r1' } },
  'es-2': { name: 'es-2', ip: '127.0.3.12', settings: { ...COMMON, 'node.roles': ['master'] } },
  'es-3': { name: 'es-3', ip: '127.0.3.13', settings: { ...COMMON, 'node.roles': ['master', 'remote_cluster_client'] } },
  'es-4': { name: 'es-4', ip: '127.0.3.14', settings: { ...COMMON, 'node.roles': ['data', 'ingest'], 'node.attr.rack': 'r2' } },
  'es-5': { name: 'es-5', ip: '127.0.3.15', settings: { ...COMMON, 'node.roles': ['data_hot', 'data_content'] } },
};
const EXPECTED_ROLES: Record<string, string> = { 'es-1': 'cdfhilmrstw', 'es-2': 'm', 'es-3': 'mr', 'es-4': 'di', 'es-5': 'hs' };
const ipOf = (name: string): string => SPECS[name]!.ip;

/** First start of a master-eligible node carries the bootstrap list; later starts must not (facts 4.1). */
function bootSpec(name: string): NodeSpec {
  const s = SPECS[name]!;
  return MASTERS.includes(name) ? { ...s, settings: { ...s.settings, 'cluster.initial_master_nodes': MASTERS } } : s;
}

// Generous per-test timeout: on a loaded 2-core box one failover step can take several seconds.
describe('elasticsearch emulator: multi-node cluster conformance', { timeout: 120_000 }, () => {
  const lab = new EsLab();
  let c1: Client;
  let c4: Client;
  let clusterUuid = '';
  const nodeIds: Record<string, string> = {};

  const health = async (c: Client, params: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await c.cluster.health(params, { meta: true, ignore: [408] });
    return { status: r.statusCode ?? 0, body: r.body as unknown as Record<string, unknown> };
  };
  const waitStatus = async (c: Client, status: 'green' | 'yellow' | 'red', timeoutMs = 40_000): Promise<Record<string, unknown>> =>
    waitFor(`health ${status}`, async () => {
      const h = await health(c);
      return h.body.status === status ? h.body : undefined;
    }, { timeoutMs });
  /** A client on some live master-eligible node, for calls that must not hit a stopped node. */
  const anyLive = (except: string[] = []): Client => lab.client(ipOf(['es-1', 'es-2', 'es-3', 'es-4', 'es-5'].find((n) => !except.includes(n))!));
  const masterName = async (c: Client): Promise<string> => {
    const rows = await catNodes(c);
    const m = rows.filter((r) => r.master === '*');
    expect(m).toHaveLength(1);
    return m[0]!.name!;
  };

  let release: () => void = () => undefined;
  beforeAll(async () => {
    release = await claimSlice('cluster', [...Object.values(SPECS).map((s) => s.ip), '127.0.3.16']);
    for (const n of Object.keys(SPECS)) lab.start(bootSpec(n));
    c1 = lab.client(ipOf('es-1'));
    c4 = lab.client(ipOf('es-4'));
    await waitFor('5 nodes joined', async () => ((await catNodes(c1)).length === 5 ? true : undefined), { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await lab.stopAll();
    lab.cleanup();
    release();
  });

  it('forms through bootstrap: one elected master among master-eligible nodes, role strings, green', async () => {
    const rows = await catNodes(c4);
    expect(rows).toHaveLength(5);
    for (const r of rows) for (const v of Object.values(r)) expect(v === null || typeof v === 'string').toBe(true);
    const masters = rows.filter((r) => r.master === '*');
    expect(masters).toHaveLength(1);
    expect(MASTERS).toContain(masters[0]!.name);
    expect(rows.filter((r) => r.master === '-')).toHaveLength(4);
    expect(Object.fromEntries(rows.map((r) => [r.name, r['node.role']]))).toEqual(EXPECTED_ROLES);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.ip]))).toEqual(Object.fromEntries(Object.values(SPECS).map((s) => [s.name, s.ip])));

    const h = await health(c1);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ cluster_name: 'hactl-es-conformance', status: 'green', timed_out: false, number_of_nodes: 5, number_of_data_nodes: 3 });
    expect(h.body.number_of_nodes as number).toBeGreaterThanOrEqual(h.body.number_of_data_nodes as number);

    const infos = await Promise.all(Object.values(SPECS).map((s) => lab.client(s.ip).info()));
    clusterUuid = infos[0]!.cluster_uuid;
    expect(clusterUuid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const [i, info] of infos.entries()) {
      expect(info.cluster_uuid).toBe(clusterUuid);
      expect(info.name).toBe(Object.values(SPECS)[i]!.name);
      expect(info.tagline).toBe('You Know, for Search');
      expect(info.version.number).toMatch(/^8\./);
    }
  });

  it('answers like ES at the HTTP level: product header, compatible-with, errors', async () => {
    const r = await c1.info({}, { meta: true, headers: { accept: 'application/vnd.elasticsearch+json; compatible-with=8' } });
    expect(r.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(r.headers['content-type']).toBe('application/vnd.elasticsearch+json;compatible-with=8');

    const v9 = await fetch('http://127.0.3.11:9200/', { headers: { accept: 'application/vnd.elasticsearch+json; compatible-with=9' } });
    expect(v9.status).toBe(400);
    const body9 = (await v9.json()) as { error: { type: string; reason: string } };
    expect(body9.error.type).toBe('media_type_header_exception');
    expect(body9.error.reason).toMatch(/^Invalid media-type value on headers \[/);

    const noRoute = await fetch('http://127.0.3.11:9200/_no/such/thing');
    expect(noRoute.status).toBe(400);
    expect(await noRoute.json()).toEqual({ error: 'no handler found for uri [/_no/such/thing] and method [GET]', status: 400 });
    const badMethod = await fetch('http://127.0.3.11:9200/_cluster/health', { method: 'POST' });
    expect(badMethod.status).toBe(405);

    const missing = await c1.indices.get({ index: 'does-not-exist' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(errors.ResponseError);
    expect((missing as errors.ResponseError).statusCode).toBe(404);
    expect((missing as errors.ResponseError).body).toMatchObject({ error: { type: 'index_not_found_exception', reason: 'no such index [does-not-exist]' }, status: 404 });

    const text = await fetch('http://127.0.3.11:9200/_cat/health?v');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await text.text()).split('\n')[0]).toMatch(/^epoch\s+timestamp\s+cluster\s+status\s+node\.total\s+node\.data\s+shards\s+pri\s+relo\s+init\s+unassign/);
    const raw = await (await fetch('http://127.0.3.11:9200/_cluster/health')).text();
    expect(raw).toMatch(/"active_shards_percent_as_number":100\.0}/);
  });

  it('_nodes: 22-char ids, sorted roles, attributes, and the _local/_master/name filters', async () => {
    const all = await c1.nodes.info();
    expect(all._nodes).toEqual({ total: 5, successful: 5, failed: 0 });
    for (const [id, n] of Object.entries(all.nodes)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      nodeIds[n.name] = id;
      expect([...n.roles]).toEqual([...n.roles].sort());
      expect(n.transport_address).toBe(`${ipOf(n.name)}:9300`);
      expect(n.http?.publish_address).toBe(`${ipOf(n.name)}:9200`);
    }
    expect(all.nodes[nodeIds['es-1']!]!.roles).toEqual(['data', 'data_cold', 'data_content', 'data_frozen', 'data_hot', 'data_warm', 'ingest', 'master', 'ml', 'remote_cluster_client', 'transform']);
    expect(all.nodes[nodeIds['es-4']!]!.attributes).toEqual({ rack: 'r2' });

    const local = await c4.nodes.info({ node_id: '_local' });
    expect(Object.values(local.nodes).map((n) => n.name)).toEqual(['es-4']);
    const master = await c4.nodes.info({ node_id: '_master' });
    expect(Object.values(master.nodes).map((n) => n.name)).toEqual([await masterName(c4)]);
    const byName = await c1.nodes.info({ node_id: 'es-2,es-3' });
    expect(Object.values(byName.nodes).map((n) => n.name).sort()).toEqual(['es-2', 'es-3']);
    const byId = await c1.nodes.info({ node_id: nodeIds['es-5']! });
    expect(Object.keys(byId.nodes)).toEqual([nodeIds['es-5']]);

    // The voting configuration is exactly the three master-eligible nodes: no placeholders left.
    const state = (await c1.cluster.state({ metric: 'metadata' })) as unknown as {
      metadata: { cluster_coordination: { last_committed_config: string[] } };
    };
    expect([...state.metadata.cluster_coordination.last_committed_config].sort()).toEqual(MASTERS.map((n) => nodeIds[n]).sort());
  });

  it('allocates primaries and replicas on data-role nodes only, one copy per node, and turns green', async () => {
    await c1.indices.create({ index: 'idx-a', settings: { number_of_shards: 3, number_of_replicas: 1 } });
    // The sole copy of this index lives on es-5 (index-level allocation filter).
    await c1.indices.create({ index: 'idx-solo', settings: { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._name': 'es-5' } });
    const h = await health(c1, { wait_for_status: 'green', timeout: '40s' });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'green', active_primary_shards: 4, active_shards: 7, unassigned_shards: 0 });
    const shards = (await c1.cat.shards({ format: 'json' })) as unknown as Record<string, string | null>[];
    expect(shards).toHaveLength(7);
    for (const s of shards) {
      expect(['es-1', 'es-4', 'es-5']).toContain(s.node);
      expect(s.state).toBe('STARTED');
    }
    const perShard = new Map<string, string[]>();
    for (const s of shards) perShard.set(`${s.index}/${s.shard}`, [...(perShard.get(`${s.index}/${s.shard}`) ?? []), s.node!]);
    for (const nodes of perShard.values()) expect(new Set(nodes).size).toBe(nodes.length);
    expect(shards.find((s) => s.index === 'idx-solo')?.node).toBe('es-5');
  });

  it('data node stopped → yellow with delayed replicas; back → green (SIGTERM exits 143 promptly)', async () => {
    const stopped = await lab.stop('es-4');
    expect(stopped.code).toBe(143);
    expect(stopped.ms).toBeLessThan(5000);
    const yellow = await waitStatus(c1, 'yellow');
    expect(yellow.number_of_nodes).toBe(4);
    expect(yellow.unassigned_shards as number).toBeGreaterThan(0);
    expect(yellow.unassigned_primary_shards).toBe(0);
    // index.unassigned.node_left.delayed_timeout defaults to 1m, so the lost replicas wait (facts 4.7).
    expect(yellow.delayed_unassigned_shards).toBe(yellow.unassigned_shards);

    lab.start(SPECS['es-4']!);
    const h = await health(c1, { wait_for_status: 'green', wait_for_nodes: '5', timeout: '40s' });
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('green');
  });

  it('losing the only copy of a primary → red; the node with the copy returns → green', async () => {
    await lab.stop('es-5');
    const red = await waitStatus(c1, 'red');
    expect(red.unassigned_primary_shards).toBe(1);
    const indices = (await c1.cat.indices({ format: 'json', index: 'idx-solo' })) as unknown as Record<string, string>[];
    expect(indices[0]!.health).toBe('red');
    lab.start(SPECS['es-5']!);
    expect((await health(c1, { wait_for_status: 'green', timeout: '40s' })).status).toBe(200);
  });

  it('allocation "primaries" holds back replica recovery on a returning node until reset to null', async () => {
    const bad = await c1.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': 'bogus' } }).catch((e: unknown) => e);
    expect((bad as errors.ResponseError).statusCode).toBe(400);
    expect((bad as errors.ResponseError).body).toMatchObject({ error: { type: 'illegal_argument_exception', reason: 'Illegal allocation.enable value [BOGUS]' } });

    const put = await c1.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': 'primaries' } });
    expect(put).toEqual({ acknowledged: true, persistent: { cluster: { routing: { allocation: { enable: 'primaries' } } } }, transient: {} });
    expect(await c4.cluster.getSettings({ flat_settings: true })).toEqual({ persistent: { 'cluster.routing.allocation.enable': 'primaries' }, transient: {} });

    await lab.stop('es-4');
    await waitStatus(c1, 'yellow');
    lab.start(SPECS['es-4']!);
    await waitFor('es-4 rejoined', async () => ((await catNodes(c1)).some((r) => r.name === 'es-4') ? true : undefined));
    // Replicas must not recover while allocation is limited to primaries.
    const held = await health(c1, { wait_for_status: 'green', timeout: '1500ms' });
    expect(held.status).toBe(408);
    expect(held.body).toMatchObject({ status: 'yellow', timed_out: true, initializing_shards: 0 });
    const onEs4 = ((await c1.cat.shards({ format: 'json' })) as unknown as Record<string, string | null>[]).filter((s) => s.node === 'es-4');
    expect(onEs4).toEqual([]);

    const reset = await c1.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': null } });
    expect(reset).toEqual({ acknowledged: true, persistent: {}, transient: {} });
    expect(await c1.cluster.getSettings()).toEqual({ persistent: {}, transient: {} });
    const green = await health(c1, { wait_for_status: 'green', timeout: '40s' });
    expect(green.status).toBe(200);
  });

  it('POST /_flush reports every configured shard copy', async () => {
    const r = await c4.indices.flush();
    expect(r._shards).toEqual({ total: 7, successful: 7, failed: 0 });
  });

  it('node shutdown API: put, get COMPLETE, unknown ids accepted, delete (facts 4.8)', async () => {
    const es4 = nodeIds['es-4']!;
    expect(await c1.shutdown.putNode({ node_id: es4, type: 'restart', reason: 'conformance test', allocation_delay: '10m' })).toEqual({ acknowledged: true });
    expect(await c1.shutdown.putNode({ node_id: 'not-a-real-node-id', type: 'remove', reason: 'unknown ids are accepted' })).toEqual({ acknowledged: true });
    const missingReason = await c1.shutdown.putNode({ node_id: es4, type: 'restart' } as never).catch((e: unknown) => e);
    expect((missingReason as errors.ResponseError).statusCode).toBe(400);
    expect((missingReason as errors.ResponseError).body).toMatchObject({ error: { type: 'action_request_validation_exception' } });

    const all = (await c4.shutdown.getNode()) as unknown as { nodes: Record<string, unknown>[] };
    expect(all.nodes).toHaveLength(2);
    const mine = (await c4.shutdown.getNode({ node_id: es4 })) as unknown as { nodes: Record<string, unknown>[] };
    expect(mine.nodes).toHaveLength(1);
    expect(mine.nodes[0]).toMatchObject({
      node_id: es4,
      type: 'RESTART',
      reason: 'conformance test',
      allocation_delay: '10m',
      status: 'COMPLETE',
      shard_migration: { status: 'COMPLETE', shard_migrations_remaining: 0, explanation: 'no shard relocation is necessary for a node restart' },
      persistent_tasks: { status: 'COMPLETE' },
      plugins: { status: 'COMPLETE' },
    });
    expect(typeof mine.nodes[0]!.shutdown_startedmillis).toBe('number');
    const unknown = (await c4.shutdown.getNode({ node_id: 'not-a-real-node-id' })) as unknown as { nodes: Record<string, unknown>[] };
    expect(unknown.nodes[0]).toMatchObject({ type: 'REMOVE', status: 'NOT_STARTED' });

    expect(await c1.shutdown.deleteNode({ node_id: es4 })).toEqual({ acknowledged: true });
    expect(await c1.shutdown.deleteNode({ node_id: 'not-a-real-node-id' })).toEqual({ acknowledged: true });
    expect(((await c1.shutdown.getNode()) as unknown as { nodes: unknown[] }).nodes).toEqual([]);
    const again = await c1.shutdown.deleteNode({ node_id: es4 }).catch((e: unknown) => e);
    expect((again as errors.ResponseError).statusCode).toBe(404);
  });

  it('master killed → a new master is elected among the remaining master-eligible majority; it rejoins without initial_master_nodes', async () => {
    const old = await masterName(c4);
    const killed = await lab.stop(old, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const survivor = lab.client(ipOf(MASTERS.find((m) => m !== old)!));
    const next = await waitFor(
      'a new elected master',
      async () => {
        const rows = await catNodes(survivor);
        const m = rows.filter((r) => r.master === '*');
        return m.length === 1 && m[0]!.name !== old && !rows.some((r) => r.name === old) ? m[0]!.name! : undefined;
      },
      { timeoutMs: 40_000 },
    );
    expect(MASTERS).toContain(next);
    expect(next).not.toBe(old);
    expect((await survivor.info()).cluster_uuid).toBe(clusterUuid);

    // Restart with the bootstrap setting removed, as the docs require after the first formation.
    const restarted = lab.start(SPECS[old]!);
    await waitFor(`${old} rejoined`, async () => ((await catNodes(survivor)).some((r) => r.name === old) ? true : undefined), { timeoutMs: 40_000 });
    expect(restarted.output()).toContain(`this node is locked into cluster UUID [${clusterUuid}] and will not attempt further cluster bootstrapping`);
    expect((await lab.client(ipOf(old)).info()).cluster_uuid).toBe(clusterUuid);
    const info = await survivor.nodes.info({ node_id: old });
    expect(Object.keys(info.nodes)).toEqual([nodeIds[old]]);
    expect(await masterName(survivor)).toBe(next);
    expect((await health(survivor, { wait_for_status: 'green', timeout: '40s' })).status).toBe(200);
  });

  it('refuses a node that belongs to another cluster UUID, with ES\'s message', async () => {
    const foreign: NodeSpec = {
      name: 'es-6',
      ip: '127.0.3.16',
      settings: { ...COMMON, 'discovery.seed_hosts': ['127.0.3.16'], 'cluster.initial_master_nodes': ['es-6'] },
    };
    lab.start(foreign);
    const c6 = lab.client('127.0.3.16');
    const foreignUuid = await waitFor('es-6 to form its own cluster', async () => {
      const u = (await c6.info()).cluster_uuid;
      return u !== '_na_' ? u : undefined;
    });
    expect(foreignUuid).not.toBe(clusterUuid);
    await lab.stop('es-6');
    lab.start({ ...foreign, settings: { ...COMMON, 'node.roles': ['data'] } });
    await lab.waitForOutput(
      'es-6',
      `This node previously joined a cluster with UUID [${foreignUuid}] and is now trying to join a different cluster with UUID [${clusterUuid}]. This is forbidden`,
    );
    expect((await catNodes(c1)).map((r) => r.name)).not.toContain('es-6');
    expect((await health(c1)).body.number_of_nodes).toBe(5);
    await lab.stop('es-6');
  });

  it('without an elected master: 503 master_not_discovered_exception after master_timeout; GET / still answers', async () => {
    const master = await masterName(c4);
    const others = MASTERS.filter((m) => m !== master);
    // Stop two of the three voting masters: the remaining one has no majority and steps down.
    await Promise.all([lab.stop(others[0]!), lab.stop(master)]);
    const t0 = Date.now();
    const err = await waitFor('no master', async () => {
      const e = await c4.cluster.health({ master_timeout: '1s' }).catch((x: unknown) => x);
      return e instanceof errors.ResponseError && e.statusCode === 503 ? e : undefined;
    });
    expect(err.body).toEqual({
      error: { root_cause: [{ type: 'master_not_discovered_exception', reason: null }], type: 'master_not_discovered_exception', reason: null },
      status: 503,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const catErr = await c4.cat.nodes({ format: 'json', master_timeout: '500ms' }).catch((x: unknown) => x);
    expect((catErr as errors.ResponseError).statusCode).toBe(503);
    const info = await c4.info();
    expect(info.cluster_uuid).toBe(clusterUuid);
    // local=true answers from the node's own state without a master.
    const local = (await c4.cluster.health({ local: true })) as unknown as Record<string, unknown>;
    expect(local.cluster_name).toBe('hactl-es-conformance');

    lab.start(SPECS[others[0]!]!);
    // Restarted with the bootstrap list still rendered: ES ignores it and warns (facts §5: remove it).
    const stale = lab.start(bootSpec(master));
    await lab.waitForOutput(master, `this node is locked into cluster UUID [${clusterUuid}] but [cluster.initial_master_nodes] is set to [es-1, es-2, es-3]; remove this setting`);
    expect(stale.output()).not.toContain('setting initial configuration');
    expect((await health(c4, { wait_for_status: 'green', wait_for_nodes: '5', timeout: '40s' })).status).toBe(200);
    expect(MASTERS).toContain(await masterName(anyLive()));
  });
});
