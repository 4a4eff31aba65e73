import type { ChangeClass, ServiceKind } from '../types.js';
import { validateElasticsearchSpec, type ElasticsearchSpec } from './spec.js';
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

export const elasticsearchKind: ServiceKind<ElasticsearchSpec, ElasticsearchInputs> = {
  kind: 'elasticsearch',
  validate: validateElasticsearchSpec,
  plan: planElasticsearch,
  parseInputs: parseElasticsearchInputs,
  render: renderElasticsearchFiles,
  parseProbe: parseElasticsearchProbe,
  checkHealth: checkElasticsearchHealth,
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
 * Dropping `cluster.initial_master_nodes` after the first formation needs no restart: ES reads it
 * only for the first election (service-facts §4.1), so the file is rewritten and the node keeps
 * running. Any other change needs a restart.
 */
export function classifyElasticsearchChange(
  before: ElasticsearchInputs,
  after: ElasticsearchInputs,
): ChangeClass {
  const same =
    JSON.stringify({ ...before, initialMasterNodes: [] }) ===
    JSON.stringify({ ...after, initialMasterNodes: [] });
  return same ? 'reload' : 'restart';
}
