import { afterElasticsearchRestart, beforeElasticsearchRestart } from './restart.js';
import type { elasticsearch } from '@hactl/shared';
import type { AgentServiceKind } from '../types.js';
import { planElasticsearchPreStart, planElasticsearchProcess } from './process.js';
import { createElasticsearchProber, isElasticsearchReady } from './probe.js';

export const elasticsearchAgentKind: AgentServiceKind<elasticsearch.ElasticsearchInputs> = {
  kind: 'elasticsearch',
  serviceUser: 'elasticsearch',
  planProcess: planElasticsearchProcess,
  planPreStart: planElasticsearchPreStart,
  beforeRestart: beforeElasticsearchRestart,
  afterRestart: afterElasticsearchRestart,
  createProber: () => createElasticsearchProber(),
  isReady: isElasticsearchReady,
};
