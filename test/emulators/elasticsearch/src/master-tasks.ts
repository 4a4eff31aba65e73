import { isMasterEligible } from './roles.js';
import { UNKNOWN_UUID, type ClusterState, type NodeInfo } from './cluster-state.js';
import { reconfigure } from './voting.js';

/** Pure cluster-state transitions the elected master applies (JoinTaskExecutor, NodeLeftExecutor, ...). */

/** `{es-1}{id}{ephemeralId}{host}{ip}{ip:9300}{cdfhilmrstw}{8.17.3}` as DiscoveryNode.toString prints it. */
export function describeNode(n: NodeInfo, abbrev: (roles: readonly string[]) => string): string {
  const attrs = Object.entries(n.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `{${n.name}}{${n.id}}{${n.ephemeralId}}{${n.host}}{${n.ip}}{${n.transportAddress}}{${abbrev(n.roles)}}{${n.version}}${attrs ? `{${attrs}}` : ''}`;
}

/** The first state of a newly elected master: its term, itself as master, a cluster UUID if none yet. */
export function becomeMaster(last: ClusterState, local: NodeInfo, term: number, voters: readonly NodeInfo[], newUuid: () => string): ClusterState {
  const s: ClusterState = structuredClone(last);
  s.term = term;
  s.version = last.version + 1;
  s.masterNodeId = local.id;
  s.nodes[local.id] = local;
  for (const v of voters) s.nodes[v.id] = v;
  // Metadata.generateClusterUuidIfNeeded: a new UUID stays uncommitted until a quorum commits a
  // state carrying it (the Coordinator marks it then).
  if (s.metadata.clusterUuid === UNKNOWN_UUID) {
    s.metadata.clusterUuid = newUuid();
    s.metadata.clusterUuidCommitted = false;
  }
  return s;
}

/** Adds or refreshes a joining node; an older node on the same transport address is replaced. */
export function addNode(state: ClusterState, node: NodeInfo): ClusterState {
  const s: ClusterState = structuredClone(state);
  for (const [id, n] of Object.entries(s.nodes)) {
    if (id !== node.id && n.transportAddress === node.transportAddress) delete s.nodes[id];
  }
  s.nodes[node.id] = node;
  return s;
}

export function removeNodes(state: ClusterState, ids: readonly string[]): ClusterState {
  const s: ClusterState = structuredClone(state);
  for (const id of ids) delete s.nodes[id];
  return s;
}

/** Moves the voting configuration after membership changes (Reconfigurator). */
export function withReconfiguredVoting(state: ClusterState, autoShrink: boolean): ClusterState {
  if (!state.masterNodeId) return state;
  const live = Object.values(state.nodes)
    .filter((n) => isMasterEligible(n.roles))
    .map((n) => n.id);
  const next = reconfigure(state.votingConfig, live, state.masterNodeId, autoShrink);
  if (next.join(',') === state.votingConfig.join(',')) return state;
  return { ...state, votingConfig: next };
}
