/** Pure decisions of the coordinator, kept apart so they read (and test) as rules. */

export interface VoteRequest {
  term: number;
  candidateId: string;
  lastAcceptedTerm: number;
  lastAcceptedVersion: number;
}

export interface VoterView {
  currentTerm: number;
  mode: 'CANDIDATE' | 'LEADER' | 'FOLLOWER';
  /** The leader this node follows and still hears from, if any. */
  liveLeaderId: string | undefined;
  lastAcceptedTerm: number;
  lastAcceptedVersion: number;
}

export type VoteDecision = { granted: true } | { granted: false; reason: string };

/**
 * Whether to join a candidate's election (CoordinationState.handleStartJoin + PreVoteCollector):
 * a strictly higher term, no live leader (pre-vote), and a last-accepted state at least as fresh.
 */
export function decideVote(req: VoteRequest, me: VoterView): VoteDecision {
  if (req.term <= me.currentTerm) return { granted: false, reason: `incoming term ${req.term} not greater than current term ${me.currentTerm}` };
  if (me.mode === 'LEADER') return { granted: false, reason: 'rejecting pre-vote: this node is the leader' };
  if (me.liveLeaderId !== undefined && me.liveLeaderId !== req.candidateId) return { granted: false, reason: 'rejecting pre-vote: there is already a leader' };
  if (req.lastAcceptedTerm < me.lastAcceptedTerm || (req.lastAcceptedTerm === me.lastAcceptedTerm && req.lastAcceptedVersion < me.lastAcceptedVersion)) {
    return { granted: false, reason: 'candidate has an older last-accepted state' };
  }
  return { granted: true };
}

export interface FormationView {
  masterEligible: boolean;
  votingConfig: readonly string[];
  initialMasterNodes: readonly string[];
  local: string;
  discovered: readonly string[];
  addresses: readonly string[];
  currentTerm: number;
  lastAcceptedTerm: number;
  lastAcceptedVersion: number;
}

/** ClusterFormationFailureHelper's warning while no master is found. */
export function formationMessage(v: FormationView): string {
  const disc = v.discovered.join(', ');
  const tail = `discovery will continue using [${v.addresses.join(', ')}] from hosts providers and [${v.local}] from last-known cluster state; node term ${v.currentTerm}, last-accepted version ${v.lastAcceptedVersion} in term ${v.lastAcceptedTerm}`;
  if (!v.masterEligible) return `master not discovered yet: have discovered [${disc}]; ${tail}`;
  if (v.votingConfig.length === 0) {
    return v.initialMasterNodes.length === 0
      ? `master not discovered yet, this node has not previously joined a bootstrapped cluster, and this node must discover master-eligible nodes [] to bootstrap a cluster: have discovered [${disc}]; ${tail}`
      : `master not discovered yet, this node has not previously joined a bootstrapped cluster, and [cluster.initial_master_nodes] is set to [${v.initialMasterNodes.join(', ')}]: have discovered [${disc}]; ${tail}`;
  }
  const need = Math.floor(v.votingConfig.length / 2) + 1;
  return `master not discovered or elected yet, an election requires ${need === 1 ? 'a node' : `at least ${need} nodes`} with ids from [${v.votingConfig.join(', ')}], have only discovered non-quorum [${[v.local, disc].filter((s) => s).join(', ')}]; ${tail}`;
}
