import { afterElasticsearchRestart, beforeElasticsearchRestart } from './restart.js';
import { afterElasticsearchRemoval, beforeElasticsearchRemoval } from './removal.js';
import { beforeElasticsearchStop } from './stop.js';
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
  beforeRemoval: (inputs, opts) => beforeElasticsearchRemoval(inputs, opts),
  afterRemoval: (inputs, opts) => afterElasticsearchRemoval(inputs, opts),
  beforeStop: (inputs, timeoutMs) => beforeElasticsearchStop(inputs, timeoutMs),
  createProber: () => createElasticsearchProber(),
  isReady: isElasticsearchReady,
};
