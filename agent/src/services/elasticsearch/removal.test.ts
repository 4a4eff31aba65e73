import { describe, it, expect, beforeEach } from 'vitest';
import type http from 'node:http';
import type { elasticsearch } from '@hactl/shared';
import { testHttpServer } from '../test-http-server.js';
import { afterElasticsearchRemoval, beforeElasticsearchRemoval } from './removal.js';

/**
 * A small stateful stand-in for the few endpoints the removal procedures call, to check their order
 * and idempotency; the real behaviour is tested against Elasticsearch 8.19 in
 * test/e2e/elasticsearch-removal.test.ts.
 */
const es = {
  status: 'green',
  excluded: '' as string | null,
  /** node-4's shard copies: a drain polls them away one per `_cat/shards` read after the exclusion. */
  copies: 2,
  nodes: ['node-1', 'node-2', 'node-3', 'node-4'],
  voting: [] as string[],
  calls: [] as string[],
};

const handler: http.RequestListener = (req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const url = req.url ?? '';
    es.calls.push(`${req.method} ${url.split('?')[0]}`);
    const send = (o: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (url.startsWith('/_cluster/health'))
      return send({
        cluster_name: 'x',
        status: es.status,
        timed_out: false,
        number_of_nodes: es.nodes.length,
        number_of_data_nodes: es.nodes.length,
        unassigned_shards: es.status === 'red' ? 1 : 0,
      });
    if (url.startsWith('/_cluster/settings') && req.method === 'GET')
      return send({
        persistent: es.excluded ? { 'cluster.routing.allocation.exclude._name': es.excluded } : {},
        transient: {},
      });
    if (url.startsWith('/_cluster/settings') && req.method === 'PUT') {
      es.excluded = (JSON.parse(body) as { persistent: Record<string, string | null> }).persistent[
        'cluster.routing.allocation.exclude._name'
      ]!;
      return send({ acknowledged: true });
    }
    if (url.startsWith('/_cat/shards')) {
      if (es.excluded?.includes('node-4') && es.copies > 0) es.copies--;
      return send(
        Array.from({ length: es.copies + 1 }, (_, i) => ({
          index: 'docs',
          shard: String(i),
          prirep: 'r',
          state: 'STARTED',
          node: i < es.copies ? 'node-4' : 'node-1',
        })),
      );
    }
    if (url.startsWith('/_cat/nodes')) return send(es.nodes.map((name) => ({ name })));
    if (url.startsWith('/_cluster/voting_config_exclusions') && req.method === 'POST') {
      es.voting.push(new URL(url, 'http://x').searchParams.get('node_names')!);
      return send({});
    }
    if (url.startsWith('/_cluster/voting_config_exclusions') && req.method === 'DELETE') {
      es.voting = [];
      return send({});
    }
    if (url.startsWith('/_cluster/state/metadata'))
      return send({
        metadata: {
          cluster_coordination: {
            term: 1,
            last_committed_config: ['a'],
            last_accepted_config: ['a'],
            voting_config_exclusions: es.voting.map((n) => ({ node_id: n, node_name: n })),
          },
        },
      });
    res.writeHead(404).end('{}');
  });
};

const inputs = (port: number, nodeName: string, roles: string[]) =>
  ({ address: '127.0.0.1', httpPort: port, nodeName, roles }) as unknown as elasticsearch.ElasticsearchInputs;
const fast = { intervalMs: 1 };

describe('elasticsearch removal procedures (order and idempotency)', () => {
  const server = testHttpServer(handler);
  // Port 1: nothing listens there, the connection is refused (a peer that is down).
  const peers = () => [
    { address: '127.0.0.1', port: 1 },
    { address: '127.0.0.1', port: server.port() },
  ];

  beforeEach(() => {
    Object.assign(es, {
      status: 'green',
      excluded: '',
      copies: 2,
      nodes: ['node-1', 'node-2', 'node-3', 'node-4'],
      voting: [],
      calls: [],
    });
  });

  it('data node: exclusion added (keeping other names), waits for the drain; after: departure, then the name removed', async () => {
    es.excluded = 'old-node';
    const before = await beforeElasticsearchRemoval(
      inputs(server.port(), 'node-4', ['data_content']),
      { timeoutMs: 5000 },
      fast,
    );
    expect(before.actions).toEqual([
      'cluster.routing.allocation.exclude._name set to "old-node,node-4"',
      'node-4 holds no shards; cluster green',
    ]);
    expect(es.calls.filter((c) => c.startsWith('GET /_cat/shards'))).toHaveLength(2);
    es.nodes = es.nodes.filter((n) => n !== 'node-4');
    const after = await afterElasticsearchRemoval(
      inputs(server.port(), 'node-4', ['data_content']),
      { timeoutMs: 5000, peers: peers() },
      fast,
    );
    expect(after.actions).toEqual([
      'node-4 has left the cluster (3 nodes)',
      'cluster.routing.allocation.exclude._name set to "old-node"',
    ]);
  });

  it('a red cluster refuses before anything changes', async () => {
    es.status = 'red';
    await expect(
      beforeElasticsearchRemoval(
        inputs(server.port(), 'node-4', ['data_content']),
        { timeoutMs: 5000 },
        fast,
      ),
    ).rejects.toMatchObject({ code: 'conflict', retriable: true });
    expect(es.calls).toEqual(['GET /_cluster/health', 'GET /_cluster/health']);
  });

  it('a drain that never ends times out, naming what is left', async () => {
    es.copies = 1000;
    await expect(
      beforeElasticsearchRemoval(inputs(server.port(), 'node-4', ['data']), { timeoutMs: 50 }, fast),
    ).rejects.toThrow(/^drain of node-4 not done after 50 ms: node-4 still holds \d+ shard copies/);
  });

  it('master-eligible node: voting exclusion before; after it left, exclusions cleared only when they name no other node', async () => {
    const node3 = inputs(server.port(), 'node-3', ['master']);
    expect((await beforeElasticsearchRemoval(node3, { timeoutMs: 5000 }, fast)).actions).toEqual([
      'node-3 excluded from the voting configuration',
    ]);
    expect(es.voting).toEqual(['node-3']);
    expect(es.calls).not.toContain('PUT /_cluster/settings');
    es.nodes = es.nodes.filter((n) => n !== 'node-3');
    es.voting.push('node-2');
    expect(
      (await afterElasticsearchRemoval(node3, { timeoutMs: 5000, peers: peers() }, fast)).actions,
    ).toEqual(['node-3 has left the cluster (3 nodes)', 'voting exclusions kept: they also name node-2']);
    es.voting = ['node-3'];
    expect(
      (await afterElasticsearchRemoval(node3, { timeoutMs: 5000, peers: peers() }, fast)).actions,
    ).toEqual(['node-3 has left the cluster (3 nodes)', 'voting configuration exclusions cleared']);
    expect(es.voting).toEqual([]);
  });

  it('after: a node still listed when the time is up fails; no answering peer fails', async () => {
    const node4 = inputs(server.port(), 'node-4', ['data']);
    await expect(afterElasticsearchRemoval(node4, { timeoutMs: 20, peers: peers() }, fast)).rejects.toThrow(
      /departure of node-4 not done after 20 ms: node-4 is still in the cluster/,
    );
    await expect(
      afterElasticsearchRemoval(node4, { timeoutMs: 20, peers: [peers()[0]!] }, fast),
    ).rejects.toThrow(/^no Elasticsearch node answered: 127\.0\.0\.1:\d+: /);
  });
});
