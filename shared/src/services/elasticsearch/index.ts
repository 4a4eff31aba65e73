import type { ChangeClass, ServiceKind } from '../types.js';
import { elasticsearchSpecSchema, validateElasticsearchSpec, type ElasticsearchSpec } from './spec.js';
import { planElasticsearch } from './plan.js';
import { parseElasticsearchInputs, type ElasticsearchInputs } from './inputs.js';
import { renderElasticsearchFiles } from './render.js';
import { checkElasticsearchHealth, learnElasticsearchFacts, parseElasticsearchProbe } from './health.js';
import { indexPath } from '../member.js';

export * from './spec.js';
export * from './plan.js';
export * from './inputs.js';
export * from './render.js';
export * from './parse.js';
export * from './health.js';
export * from './removal.js';
export * from './stop.js';

export const elasticsearchKind: ServiceKind<ElasticsearchSpec, ElasticsearchInputs> = {
  kind: 'elasticsearch',
  specSchema: elasticsearchSpecSchema,
  validate: validateElasticsearchSpec,
  plan: planElasticsearch,
  parseInputs: parseElasticsearchInputs,
  render: renderElasticsearchFiles,
  parseProbe: parseElasticsearchProbe,
  checkHealth: checkElasticsearchHealth,
  clientEndpoint: (i) => ({ address: i.address, port: i.httpPort }),
  claims: (i) => ({
    ports: [
      { port: i.httpPort, what: 'elasticsearch http.port' },
      { port: i.transportPort, what: 'elasticsearch transport.port' },
    ],
    dirs: [i.dataDir, i.logDir],
  }),
  memberPath: (spec, plan) => indexPath('nodes', spec.nodes, (n) => n.name === plan.inputs.nodeName),
  learnFacts: learnElasticsearchFacts,
  classifyChange: classifyElasticsearchChange,
};

/**
 * Settings a running node does not read again need no restart; the file is rewritten and the node
 * keeps running:
 * - `cluster.initial_master_nodes`, read only for the first election (service-facts §4.1), dropped
 *   after the cluster first formed;
 * - `discovery.seed_hosts`, read by a node to find the cluster when it starts; a node in the cluster
 *   learns membership from the elected master. Adding or removing a master-eligible node changes
 *   every node's list, and restarting every node for it would take each one's shard copies away in
 *   turn (yellow) during what should be a green membership change (issue 10).
 * Any other change needs a restart.
 */
export function classifyElasticsearchChange(
  before: ElasticsearchInputs,
  after: ElasticsearchInputs,
): ChangeClass {
  const startOnly = (i: ElasticsearchInputs) =>
    JSON.stringify({ ...i, initialMasterNodes: [], seedHosts: [] });
  return startOnly(before) === startOnly(after) ? 'reload' : 'restart';
}
