import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.6.0/24. es1..es3 master-eligible, es4 data_hot+ingest, es5 data_warm.
const HOSTS = [
  ['es1', '127.0.6.11'],
  ['es2', '127.0.6.12'],
  ['es3', '127.0.6.13'],
  ['es4', '127.0.6.14'],
  ['es5', '127.0.6.15'],
] as const;

// ES_HOME: a real unpacked 8.x/9.x archive; by default the ES emulator with the same launcher.
const home = process.env.ES_HOME ?? `${REPO_ROOT}/test/emulators/elasticsearch`;

const spec = {
  name: 'es-main',
  kind: 'elasticsearch',
  distribution: { home },
  heap: '256m',
  nodes: [
    { host: 'es1', name: 'node-1', roles: ['master'] },
    { host: 'es2', name: 'node-2', roles: ['master'] },
    { host: 'es3', name: 'node-3', roles: ['master'] },
    { host: 'es4', name: 'node-4', roles: ['data_hot', 'ingest'] },
    { host: 'es5', name: 'node-5', roles: ['data_warm'], attributes: { rack: 'r1' } },
  ],
};

const member = (c: ClusterStatusBody, host: string) => c.status.members.find((m) => m.host === host)!;
const masters = (c: ClusterStatusBody) => c.status.members.filter((m) => m.mode === 'master');

describe('e2e: control plane + 5 agents run an Elasticsearch cluster', { timeout: 180_000 }, () => {
  let lab: Lab;
  const ymlOf = (host: string, node: string) => path.join(lab.agents.get(host)!.stateDir, 'data', 'elasticsearch', 'es-main', node, 'conf', 'elasticsearch.yml');

  beforeAll(async () => {
    lab = await Lab.create('es');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('apply → healthy: green, one elected master among the master-eligible nodes, 5/5 nodes', async () => {
    const started = Date.now();
    const put = await lab.api<{ name: string; revision: number; changed: boolean }>('PUT', '/v1/clusters/es-main', spec);
    expect(put).toMatchObject({ status: 200, body: { name: 'es-main', revision: 1, changed: true } });
    const c = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 90_000 });
    console.log(`apply → healthy: ${Date.now() - started} ms`);
    expect(c.status.reason).toMatch(/^green, master node-[123], 5\/5 nodes$/);
    expect(masters(c)).toHaveLength(1);
    expect(['es1', 'es2', 'es3']).toContain(masters(c)[0]!.host);
    expect(member(c, 'es4')).toMatchObject({ id: 'node-4', role: 'data_hot,ingest', mode: 'member' });
    // The cluster agrees, asked directly.
    const nodes = (await (await fetch('http://127.0.6.14:9200/_cat/nodes?format=json&h=name,master,node.role')).json()) as { name: string; master: string; 'node.role': string }[];
    expect(nodes.map((n) => n.name).sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    expect(nodes.filter((n) => n.master === '*')).toHaveLength(1);
    expect(nodes.find((n) => n.name === 'node-5')!['node.role']).toBe('w');
  });

  it('after formation the learned cluster uuid drops cluster.initial_master_nodes from every rendered elasticsearch.yml', async () => {
    // A node's own `GET /` may still say "_na_" for a moment after the master lists it: wait for all.
    const before = await lab.waitForHealth('es-main', 'healthy', { where: (c) => new Set(c.status.members.map((m) => m.clusterUuid)).size === 1 && masters(c)[0]?.clusterUuid !== undefined });
    const uuid = masters(before)[0]!.clusterUuid as string;
    expect(uuid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const files = HOSTS.map(([host], i) => ymlOf(host, `node-${i + 1}`));
    await waitFor('the bootstrap list to leave every elasticsearch.yml', () => (files.every((f) => fs.existsSync(f) && !fs.readFileSync(f, 'utf8').includes('cluster.initial_master_nodes')) ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    const yml = fs.readFileSync(files[0]!, 'utf8');
    expect(yml).toContain('discovery.seed_hosts: ["127.0.6.11:9300", "127.0.6.12:9300", "127.0.6.13:9300"]');
    expect(yml).toContain('xpack.security.enabled: false');
    // The running nodes were not restarted for it (the setting only matters at the first start).
    // ...and no restart is even pending (the kind's needsRestart ignores the bootstrap list).
    const after = await lab.waitForHealth('es-main', 'healthy', { where: (c) => c.status.members.every((m) => !String(m.detail).includes('restart pending')) });
    expect(after.status.members.map((m) => m.pid)).toEqual(before.status.members.map((m) => m.pid));
    expect(after.revision).toBe(1);
  });

  it('SIGKILL of a data node → degraded (node missing) → agent restarts it → healthy again', async () => {
    const before = await lab.waitForHealth('es-main', 'healthy');
    const old = member(before, 'es5');
    process.kill(old.pid, 'SIGKILL');
    const degraded = await lab.waitForHealth('es-main', 'degraded', { timeoutMs: 30_000, where: (c) => member(c, 'es5').mode === 'unknown' });
    expect(degraded.status.reason).toMatch(/4\/5 nodes \(missing node-5\)/);
    const after = await lab.waitForHealth('es-main', 'healthy', { timeoutMs: 60_000, where: (c) => member(c, 'es5').pid !== old.pid && member(c, 'es5').pid > 0 });
    expect(member(after, 'es5').restarts).toBeGreaterThanOrEqual(1);
    expect(alive(old.pid)).toBe(false);
    expect(masters(after)).toHaveLength(1);
  });

  it('restarting an agent re-adopts its Elasticsearch process (same pid, matched by the -p pid file path)', async () => {
    const before = await lab.waitForHealth('es-main', 'healthy');
    const pid = member(before, 'es4').pid;
    await lab.stopAgent('es4');
    expect(alive(pid)).toBe(true);
    await lab.startAgent('es4', '127.0.6.14');
    await lab.waitForHosts(['es4']);
    const after = await lab.waitForHealth('es-main', 'healthy', { where: (c) => member(c, 'es4').process === 'running' && member(c, 'es4').lastProbe !== null });
    expect(member(after, 'es4').pid).toBe(pid);
  });

  it('an invalid spec is refused with every problem listed, the cluster untouched', async () => {
    const bad = { ...spec, settings: { 'node.master': true }, nodes: [...spec.nodes.slice(0, 2), { ...spec.nodes[2]!, roles: ['data'] }, ...spec.nodes.slice(3)] };
    const res = await lab.api<{ error: { code: string; details: { path: string }[] } }>('PUT', '/v1/clusters/es-main', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['nodes', 'settings.node.master']);
    expect((await lab.cluster('es-main')).revision).toBe(1);
  });
});
