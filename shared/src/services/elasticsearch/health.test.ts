import { describe, it, expect } from 'vitest';
import { checkElasticsearchHealth, learnElasticsearchFacts } from './health.js';
import { planElasticsearch, CLUSTER_UUID_FACT } from './plan.js';
import type { ElasticsearchSpec } from './spec.js';
import type { ElasticsearchProbe } from './parse.js';
import type { InstanceObservation } from '../../domain.js';

const NOW = 1_800_000_000_000;
const UUID = '0WFrGAFfTseKPzO08mj29g';
const hosts = [1, 2, 3, 4, 5].map((i) => ({
  id: `es${i}`,
  name: `es${i}`,
  address: `127.0.6.1${i}`,
  dataRoot: '/d',
  labels: {},
}));
const spec: ElasticsearchSpec = {
  name: 'es',
  kind: 'elasticsearch',
  distribution: { home: '/es' },
  settings: {},
  nodes: [
    { host: 'es1', name: 'node-1', roles: ['master'] },
    { host: 'es2', name: 'node-2', roles: ['master'] },
    { host: 'es3', name: 'node-3', roles: ['master'] },
    { host: 'es4', name: 'node-4', roles: ['data_hot', 'ingest'] },
    { host: 'es5', name: 'node-5', roles: ['data_warm'] },
  ],
};
const plans = planElasticsearch(spec, { hosts, clusters: new Map() });
const ALL = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];

function probe(
  name: string,
  opts: { status?: 'green' | 'yellow' | 'red'; master?: string; nodes?: string[]; uuid?: string } = {},
): ElasticsearchProbe {
  const master = opts.master ?? 'node-1';
  return {
    ok: true,
    nodeName: name,
    clusterName: 'es',
    version: '8.19.21',
    clusterUuid: opts.uuid ?? UUID,
    clusterStatus: opts.status ?? 'green',
    numberOfNodes: (opts.nodes ?? ALL).length,
    unassignedShards: opts.status === 'yellow' ? 3 : 0,
    master,
    nodes: (opts.nodes ?? ALL).map((n) => ({ name: n, roles: 'm', master: n === master })),
  };
}
const noMaster = (name: string): ElasticsearchProbe => ({
  ok: true,
  nodeName: name,
  noMaster: true,
  error: '_cluster/health: master_not_discovered_exception',
});
const refused: ElasticsearchProbe = { ok: false, error: 'connect ECONNREFUSED' };

function obs(i: number, p: ElasticsearchProbe | undefined, probeAgeMs = 500): InstanceObservation {
  return {
    id: `es/node-${i}`,
    hostId: `es${i}`,
    process: p?.ok ? 'running' : 'crashed',
    pid: 100 + i,
    restarts: 0,
    detail: '',
    restartPending: false,
    probeAt: p ? NOW - probeAgeMs : 0,
    probe: p,
    reportedAt: NOW,
  };
}
function health(list: (InstanceObservation | undefined)[], lagging: string[] = []) {
  const observations = new Map(list.filter((o): o is InstanceObservation => !!o).map((o) => [o.id, o]));
  return checkElasticsearchHealth({
    spec,
    plans,
    observations,
    lagging: new Set(lagging),
    hostNames: new Map(hosts.map((h) => [h.id, h.name])),
    now: NOW,
    staleAfterMs: 10_000,
  });
}
const all = (f: (name: string, i: number) => ElasticsearchProbe | undefined) =>
  [1, 2, 3, 4, 5].map((i) => obs(i, f(`node-${i}`, i)));

describe('elasticsearch health rollup', () => {
  it('every node in the cluster, green, one master → healthy', () => {
    const s = health(all((n) => probe(n)));
    expect(s.health).toBe('healthy');
    expect(s.reason).toBe('green, master node-1, 5/5 nodes');
    expect(s.members.map((m) => m.mode)).toEqual(['master', 'member', 'member', 'member', 'member']);
    expect(s.members[3]).toMatchObject({
      id: 'node-4',
      role: 'data_hot,ingest',
      port: 9200,
      clusterStatus: 'green',
      clusterUuid: UUID,
    });
  });
  it('yellow → degraded with unassigned replicas in the reason', () => {
    const s = health(all((n) => probe(n, { status: 'yellow' })));
    expect(s).toMatchObject({ health: 'degraded' });
    expect(s.reason).toMatch(/^yellow, master node-1, 5\/5 nodes; 3 replica shards unassigned/);
  });
  it('data node killed, cluster still green without it → degraded, node missing', () => {
    const left = ALL.filter((n) => n !== 'node-5');
    const s = health(all((n, i) => (i === 5 ? undefined : probe(n, { nodes: left }))));
    expect(s.health).toBe('degraded');
    expect(s.reason).toBe('green, master node-1, 4/5 nodes (missing node-5)');
    expect(s.members[4]).toMatchObject({ mode: 'unknown', process: 'crashed' });
  });
  it('a node answering HTTP but not listed by the master → degraded', () => {
    const left = ALL.filter((n) => n !== 'node-4');
    const s = health(all((n, i) => (i === 4 ? noMaster(n) : probe(n, { nodes: left }))));
    expect(s.health).toBe('degraded');
    expect(s.members[3]!.detail).toMatch(/no elected master/);
  });
  it('red → down', () => {
    expect(health(all((n) => probe(n, { status: 'red' }))).health).toBe('down');
  });
  it('HTTP up everywhere but no elected master → down (GET / alone is not health)', () => {
    const s = health(all((n) => noMaster(n)));
    expect(s.health).toBe('down');
    expect(s.reason).toBe('no elected master (5/5 nodes answer HTTP)');
  });
  it('nodes disagreeing on the master → degraded naming both', () => {
    expect(health(all((n, i) => probe(n, { master: i < 3 ? 'node-1' : 'node-3' }))).reason).toMatch(
      /node-1, node-3/,
    );
  });
  it('stale probes do not count', () => {
    expect(health([1, 2, 3, 4, 5].map((i) => obs(i, probe(`node-${i}`), 60_000))).health).toBe('down');
  });
  it('master judged from its own view even when another node answers first', () => {
    const s = health(all((n, i) => (i === 1 ? probe(n) : i === 2 ? refused : probe(n))));
    expect(s.health).toBe('degraded');
    expect(s.members[1]).toMatchObject({ mode: 'unknown' });
  });
  it('nothing reported yet → pending', () => {
    expect(health([], ['es1', 'es2', 'es3', 'es4', 'es5'])).toMatchObject({ health: 'pending' });
  });
});

describe('elasticsearch learned facts', () => {
  it("a formed cluster → the master's cluster uuid", () => {
    expect(learnElasticsearchFacts(spec, health(all((n) => probe(n))))).toEqual({
      [CLUSTER_UUID_FACT]: UUID,
    });
    expect(learnElasticsearchFacts(spec, health(all((n) => probe(n, { status: 'yellow' }))))).toEqual({
      [CLUSTER_UUID_FACT]: UUID,
    });
    expect(learnElasticsearchFacts(spec, health(all((n) => probe(n, { status: 'red' }))))).toEqual({
      [CLUSTER_UUID_FACT]: UUID,
    });
  });
  it('no master, or pending → nothing learned', () => {
    expect(learnElasticsearchFacts(spec, health(all((n) => noMaster(n))))).toEqual({});
    expect(learnElasticsearchFacts(spec, health([], ['es1']))).toEqual({});
  });
});
