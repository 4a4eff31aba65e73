import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elasticsearch } from '@hactl/shared';
import { testHttpServer } from '../test-http-server.js';
import { createElasticsearchProber, isElasticsearchReady, probeElasticsearch } from './probe.js';

// Replays answers recorded from real Elasticsearch 8.19.21 (shared/src/services/elasticsearch/testdata).
const testdata = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/src/services/elasticsearch/testdata',
);
const rec = (f: string) => fs.readFileSync(path.join(testdata, `${f}-es8.19.21.json`), 'utf8');
const UUID = '4a817oQLTfS2Ig7IzpRCuA';

let mode: 'formed' | 'no-master' | 'never-formed' | 'hang' = 'formed';
const seen: string[] = [];
const server = testHttpServer((req, res) => {
  seen.push(req.url ?? '');
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'X-elastic-product': 'Elasticsearch' });
    res.end(body);
  };
  const url = new URL(req.url ?? '/', 'http://x');
  if (mode === 'hang' && url.pathname !== '/') return; // never answers
  if (url.pathname === '/')
    return send(
      200,
      rec(
        mode === 'never-formed'
          ? 'root-never-formed'
          : mode === 'no-master'
            ? 'root-no-master'
            : 'root-formed',
      ),
    );
  if (mode === 'never-formed') return send(503, rec('health-never-formed-503'));
  if (mode === 'no-master')
    return send(
      503,
      rec(url.pathname === '/_cat/nodes' ? 'cat-nodes-no-master-503' : 'health-no-master-503'),
    );
  if (url.pathname === '/_cluster/health') return send(200, rec('health-green'));
  if (url.pathname === '/_cat/nodes') return send(200, rec('cat-nodes-5'));
  send(404, '{}');
});

const inputs = (port: number): elasticsearch.ElasticsearchInputs => ({
  cluster: 'es-main',
  nodeName: 'node-1',
  roles: ['master'],
  address: '127.0.0.1',
  httpPort: port,
  transportPort: 9300,
  home: '/es',
  confDir: '/d/conf',
  dataDir: '/d/data',
  logDir: '/d/logs',
  pidFile: '/d/es.pid',
  seedHosts: [],
  initialMasterNodes: [],
  attributes: {},
  settings: {},
});

describe('elasticsearch probe (node:http against recorded answers)', () => {
  it('formed cluster → master, nodes and uuid; short master_timeout on master-node actions', async () => {
    mode = 'formed';
    seen.length = 0;
    const p = await probeElasticsearch(inputs(server.port()), 2000);
    expect(p).toMatchObject({
      ok: true,
      nodeName: 'node-3',
      clusterStatus: 'green',
      master: 'node-3',
      clusterUuid: UUID,
    });
    expect(p.nodes).toHaveLength(5);
    expect(seen.find((u) => u.startsWith('/_cluster/health'))).toMatch(/master_timeout=1000ms/);
    expect(seen.find((u) => u.startsWith('/_cat/nodes'))).toMatch(/format=json/);
  });

  it('three probes on one prober → its kept-alive connections (at most two) carry all nine GETs', async () => {
    mode = 'formed';
    server.connections.count = 0;
    seen.length = 0;
    const prober = createElasticsearchProber();
    try {
      for (let i = 0; i < 3; i++)
        expect(await prober.probe(inputs(server.port()), 2000)).toMatchObject({ ok: true, master: 'node-3' });
    } finally {
      await prober.close();
    }
    expect(seen).toHaveLength(9);
    expect(server.connections.count).toBeLessThanOrEqual(2);
  });

  it('503 master_not_discovered_exception → noMaster, never rejects', async () => {
    mode = 'no-master';
    expect(await probeElasticsearch(inputs(server.port()), 2000)).toMatchObject({
      ok: true,
      noMaster: true,
      clusterUuid: UUID,
    });
  });

  it('never formed: 503 and GET / with "_na_" → noMaster, no uuid', async () => {
    mode = 'never-formed';
    const p = await probeElasticsearch(inputs(server.port()), 2000);
    expect(p).toMatchObject({ ok: true, noMaster: true, nodeName: 'lone-1' });
    expect(p.clusterUuid).toBeUndefined();
  });

  it('connection refused → ok false', async () => {
    const p = await probeElasticsearch(inputs(1), 1000);
    expect(p.ok).toBe(false);
    expect(p.error).toBeTruthy();
  });

  it('a hanging master-node action is cut at the probe timeout', async () => {
    mode = 'hang';
    // The fake server never answers: without the probe's own timeout this would hang until the test times out.
    const p = await probeElasticsearch(inputs(server.port()), 500);
    expect(p).toMatchObject({ ok: true });
    expect(p.error).toBeTruthy();
  });
});

describe('elasticsearch readiness after a restart (the node back in the cluster, service-facts §4.7)', () => {
  const ans = (f: string) => ({ ok: true as const, body: JSON.parse(rec(f)) as unknown });
  const no = (f: string) => ({
    ok: false as const,
    status: 503,
    body: JSON.parse(rec(f)) as unknown,
    message: 'master_not_discovered_exception',
  });
  const probe = elasticsearch.checkElasticsearchProbe;

  it('listed by the elected master → ready', () => {
    expect(isElasticsearchReady(probe(ans('root-formed'), ans('health-green'), ans('cat-nodes-5')))).toBe(
      true,
    );
    expect(
      isElasticsearchReady(
        probe(ans('root-formed'), ans('health-yellow-node-left'), ans('cat-nodes-node-left')),
      ),
    ).toBe(true);
  });
  it('HTTP up without a master (never formed, or quorum lost) → not ready', () => {
    expect(
      isElasticsearchReady(
        probe(ans('root-never-formed'), no('health-never-formed-503'), no('health-never-formed-503')),
      ),
    ).toBe(false);
    expect(
      isElasticsearchReady(
        probe(ans('root-no-master'), no('health-no-master-503'), no('cat-nodes-no-master-503')),
      ),
    ).toBe(false);
  });
  it('a master answers but does not list this node → not ready', () => {
    expect(
      isElasticsearchReady(probe(ans('root-never-formed'), ans('health-green'), ans('cat-nodes-5'))),
    ).toBe(false);
  });
  it('HTTP down or garbage → not ready', () => {
    expect(isElasticsearchReady({ ok: false, error: 'connect ECONNREFUSED' })).toBe(false);
    expect(isElasticsearchReady(undefined)).toBe(false);
    expect(isElasticsearchReady({ ok: true, surprise: 1 })).toBe(false);
  });
});
