import { describe, expect, it } from 'vitest';
import { reroute } from '../src/allocation.js';
import { emptyState, type ClusterState, type NodeInfo } from '../src/cluster-state.js';
import { computeHealth } from '../src/health.js';
import { renderCat } from '../src/http/cat.js';
import { negotiate, renderJson, JsonDouble } from '../src/http/media.js';
import { EsError } from '../src/http/errors.js';
import { checkHeap, parseJvmOptions } from '../src/jvm-options.js';
import { abbreviateLogger, formatLine } from '../src/log.js';
import { resolveNodeConfig } from '../src/node-config.js';
import { base64Uuid } from '../src/node-id.js';
import { checkRoles, DEFAULT_ROLES, roleAbbreviations } from '../src/roles.js';
import { parseSettingsYaml, SettingsError } from '../src/settings.js';
import { shutdownStatus } from '../src/shutdown-status.js';
import { bootstrapConfig, hasQuorum, reconfigure } from '../src/voting.js';
import { decideVote, formationMessage } from '../src/coordination-rules.js';

// Pure pieces of the emulator, checked against the ES rules they encode (service-facts section 4).

const node = (id: string, roles: string[]): NodeInfo => ({
  id,
  name: id,
  ephemeralId: `${id}-e`,
  host: '127.0.0.1',
  ip: '127.0.0.1',
  transportAddress: `127.0.0.1:${id}`,
  httpAddress: '127.0.0.1:9200',
  roles,
  attributes: {},
  settings: {},
  version: '8.17.3',
  pid: 1,
  startedAtMillis: 0,
  facts: { heapMaxBytes: 1, availableProcessors: 1, osName: 'Linux', osVersion: '6', arch: 'x64', totalMemBytes: 1, jvmArgs: [] },
});

function cluster(dataNodes: string[], indices: Record<string, [number, number, Record<string, string>?]>): ClusterState {
  const s = emptyState('c');
  for (const n of dataNodes) s.nodes[n] = node(n, ['data']);
  s.nodes.m = node('m', ['master']);
  s.masterNodeId = 'm';
  for (const [name, [shards, replicas, settings]] of Object.entries(indices)) {
    s.metadata.indices[name] = {
      name,
      uuid: name,
      creationDate: 0,
      numberOfShards: shards,
      numberOfReplicas: replicas,
      settings: settings ?? {},
      inSync: Array.from({ length: shards }, () => []),
    };
  }
  return s;
}

const opts = (nowMillis: number) => ({ nowMillis, recoveryDelayMs: 100, nodeSettings: {} });
/** Reroutes at t, then again after recoveries finished. */
const settle = (s: ClusterState, t: number): ClusterState => reroute(reroute(s, opts(t)).state, opts(t + 1000)).state;
const without = (s: ClusterState, id: string): ClusterState => {
  const c = structuredClone(s);
  delete c.nodes[id];
  return c;
};
const withNode = (s: ClusterState, id: string): ClusterState => ({ ...s, nodes: { ...s.nodes, [id]: node(id, ['data']) } });

describe('allocation and health model', () => {
  it('new index: primaries start at once, replicas recover, never two copies on one node → green', () => {
    const s0 = cluster(['d1', 'd2'], { i: [3, 1] });
    const r1 = reroute(s0, opts(0));
    expect(computeHealth(r1.state)).toMatchObject({ status: 'yellow', active_primary_shards: 3, initializing_shards: 3 });
    expect(r1.nextCheckAtMillis).toBe(100);
    const s = settle(s0, 0);
    expect(computeHealth(s)).toMatchObject({ status: 'green', active_shards: 6, unassigned_shards: 0 });
    for (const sh of s.routing.i!) expect(new Set(sh.copies.map((c) => c.nodeId)).size).toBe(2);
  });

  it('data node leaves: replicas promoted, lost copies delayed (1m default) → yellow; returns → green', () => {
    const s = settle(cluster(['d1', 'd2'], { i: [2, 1] }), 0);
    const left = reroute(without(s, 'd1'), opts(2000)).state;
    const h = computeHealth(left);
    expect(h).toMatchObject({ status: 'yellow', unassigned_primary_shards: 0, unassigned_shards: 2, delayed_unassigned_shards: 2 });
    for (const sh of left.routing.i!) expect(sh.copies).toEqual([expect.objectContaining({ nodeId: 'd2', primary: true })]);
    expect(computeHealth(settle(withNode(left, 'd1'), 3000)).status).toBe('green');
  });

  it('delayed replicas stay unassigned while another node is free, until the delay expires', () => {
    const s = settle(cluster(['d1', 'd2', 'd3'], { i: [1, 1, { 'index.routing.allocation.exclude._name': 'd3' }] }), 0);
    const holder = s.routing.i![0]!.copies.find((c) => !c.primary)!.nodeId;
    const meta = s.metadata.indices.i!;
    meta.settings = { 'index.unassigned.node_left.delayed_timeout': '5s' };
    const left = reroute(without(s, holder), opts(10_000));
    expect(computeHealth(left.state).delayed_unassigned_shards).toBe(1);
    expect(left.nextCheckAtMillis).toBe(15_000);
    expect(computeHealth(settle(left.state, 15_000)).status).toBe('green');
  });

  it('only copy of a primary lost → red until that node returns', () => {
    const s = settle(cluster(['d1', 'd2'], { solo: [1, 0, { 'index.routing.allocation.require._name': 'd2' }] }), 0);
    expect(s.routing.solo![0]!.copies[0]!.nodeId).toBe('d2');
    const left = settle(without(s, 'd2'), 1000);
    expect(computeHealth(left)).toMatchObject({ status: 'red', unassigned_primary_shards: 1 });
    // The other data node has no copy: the primary may not be recreated there.
    expect(left.routing.solo![0]!.copies).toEqual([]);
    expect(computeHealth(settle(withNode(left, 'd2'), 2000)).status).toBe('green');
  });

  it('cluster.routing.allocation.enable=primaries keeps replicas unassigned; null (all) lets them recover', () => {
    const s = settle(cluster(['d1', 'd2'], { i: [2, 1] }), 0);
    s.metadata.persistentSettings['cluster.routing.allocation.enable'] = 'primaries';
    const back = settle(withNode(settle(without(s, 'd1'), 1000), 'd1'), 2000);
    expect(computeHealth(back)).toMatchObject({ status: 'yellow', initializing_shards: 0 });
    delete back.metadata.persistentSettings['cluster.routing.allocation.enable'];
    expect(computeHealth(settle(back, 3000)).status).toBe('green');
  });

  it('enable=none allocates nothing; new_primaries only primaries of new indices', () => {
    const none = cluster(['d1'], { i: [1, 0] });
    none.metadata.transientSettings['cluster.routing.allocation.enable'] = 'none';
    expect(computeHealth(settle(none, 0)).status).toBe('red');
    const np = cluster(['d1', 'd2'], { i: [1, 1] });
    np.metadata.persistentSettings['cluster.routing.allocation.enable'] = 'new_primaries';
    expect(computeHealth(settle(np, 0))).toMatchObject({ status: 'yellow', active_shards: 1 });
  });

  it('node shutdown REMOVE drains a node; RESTART completes at once; unknown node NOT_STARTED', () => {
    const s = settle(cluster(['d1', 'd2', 'd3'], { i: [2, 1] }), 0);
    const busy = Object.keys(s.nodes).find((n) => s.routing.i!.some((sh) => sh.copies.some((c) => c.nodeId === n)))!;
    s.metadata.shutdowns[busy] = { nodeId: busy, type: 'REMOVE', reason: 'r', startedAtMillis: 0 };
    expect(shutdownStatus(s, s.metadata.shutdowns[busy]!)).toMatchObject({ status: 'IN_PROGRESS' });
    const drained = settle(settle(s, 1000), 3000);
    expect(drained.routing.i!.flatMap((sh) => sh.copies).filter((c) => c.nodeId === busy)).toEqual([]);
    expect(computeHealth(drained).status).toBe('green');
    expect(shutdownStatus(drained, drained.metadata.shutdowns[busy]!)).toMatchObject({ status: 'COMPLETE', shard_migration: { shard_migrations_remaining: 0 } });
    expect(shutdownStatus(s, { nodeId: 'x', type: 'RESTART', reason: 'r', startedAtMillis: 1 })).toMatchObject({
      status: 'COMPLETE',
      shard_migration: { explanation: 'no shard relocation is necessary for a node restart' },
    });
    expect(shutdownStatus(s, { nodeId: 'x', type: 'REMOVE', reason: 'r', startedAtMillis: 1 })).toMatchObject({ status: 'NOT_STARTED' });
  });

  it('health of an empty cluster is green with 100.0 percent active', () => {
    const h = computeHealth(cluster(['d1'], {}));
    expect(h).toMatchObject({ status: 'green', number_of_nodes: 2, number_of_data_nodes: 1, active_shards_percent_as_number: 100 });
    expect(renderJson({ p: new JsonDouble(100) }, false)).toBe('{"p":100.0}');
  });
});

describe('voting configuration', () => {
  it('quorum is a strict majority of the configuration', () => {
    expect(hasQuorum(new Set(['a', 'b']), ['a', 'b', 'c'])).toBe(true);
    expect(hasQuorum(new Set(['a']), ['a', 'b', 'c'])).toBe(false);
    expect(hasQuorum(new Set(['a', 'b']), ['a', 'b', 'c', 'd'])).toBe(false);
    expect(hasQuorum(new Set(['a']), [])).toBe(false);
  });

  it('bootstraps from a majority of cluster.initial_master_nodes, placeholders for the rest', () => {
    expect(bootstrapConfig(['a', 'b', 'c'], [{ id: 'A', name: 'a' }])).toBeUndefined();
    expect(bootstrapConfig(['a', 'b', 'c'], [{ id: 'A', name: 'a' }, { id: 'B', name: 'b' }])).toEqual(['A', 'B', '{bootstrap-placeholder}-c']);
  });

  it('reconfigures to odd sizes, never below three once three', () => {
    expect(reconfigure(['a'], ['a', 'b'], 'a', true)).toEqual(['a']);
    expect(reconfigure(['a'], ['a', 'b', 'c'], 'a', true)).toEqual(['a', 'b', 'c']);
    expect(reconfigure(['a', 'b', 'c'], ['a', 'b'], 'a', true)).toEqual(['a', 'b', 'c']);
    expect(reconfigure(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e'], 'a', true)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(reconfigure(['a', 'b', '{bootstrap-placeholder}-c'], ['a', 'b', 'c'], 'a', true)).toEqual(['a', 'b', 'c']);
  });
});

describe('election rules', () => {
  const me = { currentTerm: 3, mode: 'CANDIDATE' as const, liveLeaderId: undefined, lastAcceptedTerm: 2, lastAcceptedVersion: 10 };
  const req = { term: 4, candidateId: 'c', lastAcceptedTerm: 2, lastAcceptedVersion: 10 };
  it.each([
    ['a higher term from an as-fresh candidate is granted', req, me, true],
    ['a term not above ours is refused', { ...req, term: 3 }, me, false],
    ['the leader refuses (pre-vote)', req, { ...me, mode: 'LEADER' as const }, false],
    ['a follower of a live leader refuses (pre-vote)', req, { ...me, mode: 'FOLLOWER' as const, liveLeaderId: 'l' }, false],
    ['a candidate with an older accepted version is refused', { ...req, lastAcceptedVersion: 9 }, me, false],
    ['a candidate with an older accepted term is refused', { ...req, lastAcceptedTerm: 1, lastAcceptedVersion: 99 }, me, false],
    ['a newer accepted term wins over a higher version', { ...req, lastAcceptedTerm: 3, lastAcceptedVersion: 1 }, me, true],
  ])('vote: %s', (_name, r, view, granted) => {
    expect(decideVote(r, view).granted).toBe(granted);
  });

  it('formation warning names the quorum needed', () => {
    const msg = formationMessage({
      masterEligible: true,
      votingConfig: ['a', 'b', 'c'],
      initialMasterNodes: [],
      local: '{es-1}',
      discovered: [],
      addresses: ['127.0.3.12:9300'],
      currentTerm: 3,
      lastAcceptedTerm: 2,
      lastAcceptedVersion: 7,
    });
    expect(msg).toMatch(/^master not discovered or elected yet, an election requires at least 2 nodes with ids from \[a, b, c\], have only discovered non-quorum \[\{es-1\}\]; discovery will continue using \[127\.0\.3\.12:9300\]/);
    expect(msg).toContain('node term 3, last-accepted version 7 in term 2');
  });
});

describe('settings, roles, jvm.options', () => {
  it('nested and flat dotted keys are the same settings; a key given twice is an error', () => {
    const nested = parseSettingsYaml('cluster:\n  name: x\nnode:\n  roles: [master, data]\n', {});
    const flat = parseSettingsYaml('cluster.name: x\nnode.roles: [master, data]\n', {});
    expect(nested).toEqual(flat);
    expect(() => parseSettingsYaml('cluster.name: a\ncluster:\n  name: b\n', {})).toThrow(/duplicate settings key \[cluster.name\]/);
    expect(parseSettingsYaml('node.name: ${HOST_X}\n', { HOST_X: 'h1' })['node.name']).toBe('h1');
  });

  it('resolves defaults and rejects bootstrap settings with single-node discovery', () => {
    const c = resolveNodeConfig({ 'discovery.seed_hosts': 'a, b:9301, [::1]:9302' }, { esHome: '/es', hostname: 'host1' });
    expect(c).toMatchObject({ clusterName: 'elasticsearch', nodeName: 'host1', dataPath: '/es/data', logsPath: '/es/logs', httpPorts: [9200, 9300], transportPorts: [9300, 9400] });
    expect(c.seedHosts).toEqual([{ host: 'a', port: 9300 }, { host: 'b', port: 9301 }, { host: '::1', port: 9302 }]);
    expect(c.roles).toEqual([...DEFAULT_ROLES]);
    expect(() => resolveNodeConfig({ 'discovery.type': 'single-node', 'cluster.initial_master_nodes': ['a'] }, { esHome: '/', hostname: 'h' })).toThrow(SettingsError);
  });

  it('role abbreviations: default cdfhilmrstw, coordinating-only -', () => {
    expect(roleAbbreviations(DEFAULT_ROLES)).toBe('cdfhilmrstw');
    expect(roleAbbreviations([])).toBe('-');
    expect(roleAbbreviations(checkRoles(['data_warm', 'master', 'voting_only']))).toBe('mvw');
    expect(() => checkRoles(['voting_only'])).toThrow('voting-only node must be master-eligible');
  });

  it('jvm.options version prefixes and heap checks', () => {
    const r = parseJvmOptions([{ path: 'jvm.options', text: '# c\n-Xms1g\n8:-XX:Old\n17-:-XX:New\n9-11:-XX:Mid\n-Xmx1g\n' }], '-Xmx2g', 23);
    expect(r.options).toEqual(['-Xms1g', '-XX:New', '-Xmx1g', '-Xmx2g']);
    expect(checkHeap(r.options)).toMatchObject({ xmsBytes: 1024 ** 3, xmxBytes: 2 * 1024 ** 3 });
    expect(checkHeap(r.options).bootstrapCheck).toMatch(/^initial heap size \[1073741824\] not equal to maximum heap size \[2147483648\]/);
    expect(checkHeap(['-Xmx1q']).fatal).toMatch(/^Invalid maximum heap size: -Xmx1q/);
  });
});

describe('REST rendering', () => {
  it('cat tables: strings only in JSON, h by alias, s sorting, v header in text', () => {
    const cols = [{ name: 'name', aliases: ['n'] }, { name: 'heap.percent', aliases: ['hp'], right: true }, { name: 'id', hidden: true }];
    const rows = [{ name: 'b', 'heap.percent': '9', id: 'x' }, { name: 'a', 'heap.percent': '10', id: 'y' }];
    expect(renderCat(cols, rows, new URLSearchParams('format=json&s=hp:desc'), false).body).toEqual([{ name: 'a', 'heap.percent': '10' }, { name: 'b', 'heap.percent': '9' }]);
    expect(renderCat(cols, rows, new URLSearchParams('format=json&h=n,id,nope'), false).body).toEqual([{ n: 'b', id: 'x' }, { n: 'a', id: 'y' }]);
    expect(renderCat(cols, rows, new URLSearchParams('v=true&s=name'), false).body).toBe('name heap.percent\na              10\nb               9\n');
  });

  it('media types: the 8.x client works, a 9.x client is refused with media_type_header_exception', () => {
    expect(negotiate('application/vnd.elasticsearch+json; compatible-with=8', undefined, false).jsonContentType).toBe(
      'application/vnd.elasticsearch+json;compatible-with=8',
    );
    expect(negotiate('application/vnd.elasticsearch+json; compatible-with=8,text/plain', undefined, false)).toEqual({ jsonContentType: 'application/json', acceptsJson: false });
    expect(negotiate('application/vnd.elasticsearch+json; compatible-with=7', undefined, false).acceptsJson).toBe(true);
    let err: unknown;
    try {
      negotiate('application/vnd.elasticsearch+json; compatible-with=9', undefined, false);
    } catch (e) {
      err = e;
    }
    expect((err as EsError).body()).toMatchObject({ status: 400, error: { type: 'media_type_header_exception', caused_by: { reason: expect.stringMatching(/^Accept version must be either version 8 or 7, but found 9/) } } });
  });

  it('pretty JSON uses ES\'s "key" : value layout', () => {
    expect(renderJson({ a: 1, b: [], c: { d: 'x' } }, true)).toBe('{\n  "a" : 1,\n  "b" : [ ],\n  "c" : {\n    "d" : "x"\n  }\n}\n');
  });

  it('ids and log lines look like ES\'s', () => {
    expect(base64Uuid(() => new Uint8Array(16).fill(255))).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(abbreviateLogger('org.elasticsearch.cluster.service.MasterService')).toBe('o.e.c.s.MasterService');
    expect(formatLine(new Date(2024, 4, 9, 15, 42, 42, 113), 'INFO', 'org.elasticsearch.node.Node', 'n1', 'started')).toBe(
      '[2024-05-09T15:42:42,113][INFO ][o.e.n.Node               ] [n1] started',
    );
  });
});
