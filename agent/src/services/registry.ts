import type { AgentServiceKind } from './types.js';
import { zookeeperAgentKind } from './zookeeper/index.js';
import { stormAgentKind } from './storm/index.js';
import { elasticsearchAgentKind } from './elasticsearch/index.js';
import { kafkaAgentKind } from './kafka/index.js';

/** Service kinds this agent can run. Client libraries of a kind load only when the kind is used. */
const KINDS: Record<string, AgentServiceKind> = {
  zookeeper: zookeeperAgentKind as AgentServiceKind,
  storm: stormAgentKind as AgentServiceKind,
  elasticsearch: elasticsearchAgentKind as AgentServiceKind,
  kafka: kafkaAgentKind as AgentServiceKind,
};

export function agentServiceKind(kind: string): AgentServiceKind | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}
