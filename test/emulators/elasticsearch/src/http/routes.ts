import { catHealth, catHelp, catIndices, catMaster, catNodeattrs, catNodes, catShards } from './rest-cat.js';
import { clusterHealth, clusterState, getClusterSettings, putClusterSettings } from './rest-cluster.js';
import { createIndex, deleteIndex, flush, getIndex, getIndexSettings, putIndexSettings, root } from './rest-indices.js';
import { deleteShutdown, getShutdown, nodesInfo, putShutdown } from './rest-nodes.js';
import type { Route } from './router.js';

/**
 * The REST surface. `master: true` marks ES's master-node actions: a node without an elected master
 * waits `master_timeout` (30s) and answers 503 `master_not_discovered_exception` (service-facts 4.4).
 */
export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/', master: false, handler: root },
  { method: 'GET', pattern: '/_cluster/health', master: true, handler: clusterHealth },
  { method: 'GET', pattern: '/_cluster/settings', master: true, handler: getClusterSettings },
  { method: 'PUT', pattern: '/_cluster/settings', master: true, handler: putClusterSettings },
  { method: 'GET', pattern: '/_cluster/state', master: true, handler: clusterState },
  { method: 'GET', pattern: '/_cluster/state/{metrics}', master: true, handler: clusterState },
  { method: 'GET', pattern: '/_cat', master: false, handler: catHelp },
  { method: 'GET', pattern: '/_cat/health', master: true, handler: catHealth },
  { method: 'GET', pattern: '/_cat/nodes', master: true, handler: catNodes },
  { method: 'GET', pattern: '/_cat/master', master: true, handler: catMaster },
  { method: 'GET', pattern: '/_cat/nodeattrs', master: true, handler: catNodeattrs },
  { method: 'GET', pattern: '/_cat/indices', master: true, handler: catIndices },
  { method: 'GET', pattern: '/_cat/indices/{index}', master: true, handler: catIndices },
  { method: 'GET', pattern: '/_cat/shards', master: true, handler: catShards },
  { method: 'GET', pattern: '/_cat/shards/{index}', master: true, handler: catShards },
  { method: 'GET', pattern: '/_nodes', master: false, handler: nodesInfo },
  { method: 'GET', pattern: '/_nodes/shutdown', master: true, handler: getShutdown },
  { method: 'GET', pattern: '/_nodes/{a}', master: false, handler: nodesInfo },
  { method: 'GET', pattern: '/_nodes/{a}/{b}', master: false, handler: nodesInfo },
  { method: 'GET', pattern: '/_nodes/{id}/shutdown', master: true, handler: getShutdown },
  { method: 'PUT', pattern: '/_nodes/{id}/shutdown', master: true, handler: putShutdown },
  { method: 'DELETE', pattern: '/_nodes/{id}/shutdown', master: true, handler: deleteShutdown },
  { method: 'POST', pattern: '/_flush', master: false, handler: flush },
  { method: 'GET', pattern: '/_flush', master: false, handler: flush },
  { method: 'POST', pattern: '/{index}/_flush', master: false, handler: flush },
  { method: 'GET', pattern: '/{index}/_flush', master: false, handler: flush },
  { method: 'PUT', pattern: '/{index}', master: true, handler: createIndex },
  { method: 'DELETE', pattern: '/{index}', master: true, handler: deleteIndex },
  { method: 'GET', pattern: '/{index}', master: false, handler: getIndex },
  { method: 'GET', pattern: '/{index}/_settings', master: false, handler: getIndexSettings },
  { method: 'PUT', pattern: '/{index}/_settings', master: true, handler: putIndexSettings },
];
