import { describe, it, expect } from 'vitest';
import type http from 'node:http';
import type { elasticsearch } from '@hactl/shared';
import { testHttpServer } from '../test-http-server.js';
import { beforeElasticsearchStop } from './stop.js';

const urls: string[] = [];
let shards: unknown[] = [];
const handler: http.RequestListener = (req, res) => {
  urls.push(`${req.method} ${req.url}`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(shards));
};

const inputs = (port: number, roles = ['data', 'master']) =>
  ({ address: '127.0.0.1', httpPort: port, nodeName: 'node-1', roles }) as elasticsearch.ElasticsearchInputs;

describe("elasticsearch: the check before an operator's stop", () => {
  const server = testHttpServer(handler);

  it('reads _cat/shards through the node and lets it stop when every shard has a copy elsewhere', async () => {
    urls.length = 0;
    shards = [
      { index: 'i', shard: '0', prirep: 'p', state: 'STARTED', node: 'node-1' },
      { index: 'i', shard: '0', prirep: 'r', state: 'STARTED', node: 'node-2' },
    ];
    expect(await beforeElasticsearchStop(inputs(server.port()), 2000)).toContain('has a started copy');
    expect(urls).toEqual(['GET /_cat/shards?format=json&h=index,shard,prirep,state,node']);
  });

  it('refuses (conflict, not retriable) when a shard lives only on the node', async () => {
    shards = [{ index: 'solo', shard: '0', prirep: 'p', state: 'STARTED', node: 'node-1' }];
    await expect(beforeElasticsearchStop(inputs(server.port()), 2000)).rejects.toMatchObject({
      code: 'conflict',
      retriable: false,
      message: 'node-1 must not stop: solo[0]: the only started copy is on node-1',
    });
  });

  it('a node that holds no shards (master-only) asks nothing', async () => {
    urls.length = 0;
    expect(await beforeElasticsearchStop(inputs(server.port(), ['master']), 2000)).toBe(
      'node-1 holds no shards',
    );
    expect(urls).toEqual([]);
  });
});
