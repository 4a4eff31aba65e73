import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { elasticsearch } from '@hactl/shared';
import { probeElasticsearch } from './probe.js';

// Replays answers recorded from the ES emulator (shared/src/services/elasticsearch/testdata).
const testdata = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/src/services/elasticsearch/testdata');
const rec = (f: string) => fs.readFileSync(path.join(testdata, f), 'utf8');

let mode: 'formed' | 'no-master' | 'hang' = 'formed';
const seen: string[] = [];
const server = http.createServer((req, res) => {
  seen.push(req.url ?? '');
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'X-elastic-product': 'Elasticsearch' });
    res.end(body);
  };
  const url = new URL(req.url ?? '/', 'http://x');
  if (mode === 'hang' && url.pathname !== '/') return; // never answers
  if (url.pathname === '/') return send(200, rec(mode === 'formed' ? 'root-formed.json' : 'root-no-master.json'));
  if (mode === 'no-master') return send(503, rec('health-no-master-503.json'));
  if (url.pathname === '/_cluster/health') return send(200, rec('health-green.json'));
  if (url.pathname === '/_cat/nodes') return send(200, rec('cat-nodes-5.json'));
  send(404, '{}');
});

const inputs = (port: number): elasticsearch.ElasticsearchInputs => ({
  cluster: 'es-main', nodeName: 'node-1', roles: ['master'], address: '127.0.0.1', httpPort: port, transportPort: 9300, home: '/es',
  confDir: '/d/conf', dataDir: '/d/data', logDir: '/d/logs', pidFile: '/d/es.pid', seedHosts: [], initialMasterNodes: [], attributes: {}, settings: {},
});

describe('elasticsearch probe (8.x client against recorded answers)', () => {
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('formed cluster → master, nodes and uuid; short master_timeout on master-node actions', async () => {
    mode = 'formed';
    seen.length = 0;
    const p = await probeElasticsearch(inputs(port), 2000);
    expect(p).toMatchObject({ ok: true, nodeName: 'node-1', clusterStatus: 'green', master: 'node-1', clusterUuid: '0WFrGAFfTseKPzO08mj29g' });
    expect(p.nodes).toHaveLength(5);
    expect(seen.find((u) => u.startsWith('/_cluster/health'))).toMatch(/master_timeout=1000ms/);
    expect(seen.find((u) => u.startsWith('/_cat/nodes'))).toMatch(/format=json/);
  });

  it('503 master_not_discovered_exception → noMaster, never rejects', async () => {
    mode = 'no-master';
    expect(await probeElasticsearch(inputs(port), 2000)).toMatchObject({ ok: true, noMaster: true });
  });

  it('connection refused → ok false', async () => {
    const p = await probeElasticsearch(inputs(1), 1000);
    expect(p.ok).toBe(false);
    expect(p.error).toBeTruthy();
  });

  it('a hanging master-node action is cut at the probe timeout', async () => {
    mode = 'hang';
    // The fake server never answers: without the probe's own timeout this would hang until the test times out.
    const p = await probeElasticsearch(inputs(port), 500);
    expect(p).toMatchObject({ ok: true });
    expect(p.error).toBeTruthy();
  });
});
