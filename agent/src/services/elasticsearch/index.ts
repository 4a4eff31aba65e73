import { afterElasticsearchRestart, beforeElasticsearchRestart } from './restart.js';
import type { elasticsearch } from '@hactl/shared';
import type { AgentServiceKind } from '../types.js';
import { planElasticsearchPreStart, planElasticsearchProcess } from './process.js';
import { createElasticsearchProber, isElasticsearchReady } from './probe.js';
import { beforeElasticsearchRemove } from './remove.js';

export const elasticsearchAgentKind: AgentServiceKind<elasticsearch.ElasticsearchInputs> = {
  kind: 'elasticsearch',
  serviceUser: 'elasticsearch',
  planProcess: planElasticsearchProcess,
  planPreStart: planElasticsearchPreStart,
  beforeRestart: beforeElasticsearchRestart,
  afterRestart: afterElasticsearchRestart,
  beforeRemove: (inputs, o) => beforeElasticsearchRemove(inputs, o),
  createProber: () => createElasticsearchProber(),
  isReady: isElasticsearchReady,
};
