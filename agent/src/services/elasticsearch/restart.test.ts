import { describe, it, expect } from 'vitest';
import type http from 'node:http';
import type { elasticsearch } from '@hactl/shared';
import { testHttpServer } from '../test-http-server.js';
import { afterElasticsearchRestart, beforeElasticsearchRestart } from './restart.js';

const calls: { method: string; url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
let healthStatus = 'green';
const handler: http.RequestListener = (req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      req.url?.startsWith('/_cluster/health')
        ? JSON.stringify({ status: healthStatus })
        : '{"acknowledged":true}',
    );
  });
};

const inputs = (port: number) =>
  ({ address: '127.0.0.1', httpPort: port, nodeName: 'node-1' }) as elasticsearch.ElasticsearchInputs;

describe('elasticsearch restart hooks (service-facts §4.7)', () => {
  const server = testHttpServer(handler);

  it('before: allocation → primaries, then flush', async () => {
    calls.length = 0;
    await beforeElasticsearchRestart(inputs(server.port()), 2000);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['PUT /_cluster/settings', 'POST /_flush']);
    expect(JSON.parse(calls[0]!.body)).toEqual({
      persistent: { 'cluster.routing.allocation.enable': 'primaries' },
    });
    expect(calls[0]!.headers['content-type']).toBe('application/json');
  });

  it('after: allocation restored (null), then waits for green', async () => {
    calls.length = 0;
    healthStatus = 'green';
    await afterElasticsearchRestart(inputs(server.port()), 2000);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'PUT /_cluster/settings',
      'GET /_cluster/health?wait_for_status=green&timeout=10s',
    ]);
    expect(JSON.parse(calls[0]!.body)).toEqual({ persistent: { 'cluster.routing.allocation.enable': null } });
  });

  it('after: never green → fails once its time is up', async () => {
    healthStatus = 'yellow';
    await expect(afterElasticsearchRestart(inputs(server.port()), 300)).rejects.toThrow(/not green/);
  });
});
