import type { ClusterState, NodeInfo } from './cluster-state.js';
import { hasQuorum } from './voting.js';

export interface PublicationDeps {
  selfId: string;
  publish: (to: NodeInfo, state: ClusterState) => Promise<unknown>;
  commit: (to: NodeInfo, term: number, version: number) => Promise<unknown>;
}

export interface PublicationResult {
  committed: boolean;
  /** Settles when every target acked publish and commit, or failed. */
  settled: Promise<void>;
}

/**
 * One two-phase publication (ES Publication): send the state to every node; once the acks (the
 * master's own included) form a majority of both the previous and the new voting configuration the
 * state is committed and every node that accepted — also the late ones — gets the commit.
 * Resolves as soon as the outcome is known.
 */
export async function runPublication(next: ClusterState, prevConfig: readonly string[], deps: PublicationDeps): Promise<PublicationResult> {
  const acks = new Set([deps.selfId]);
  const targets = Object.values(next.nodes).filter((n) => n.id !== deps.selfId);
  const quorum = (): boolean => hasQuorum(acks, next.votingConfig) && (prevConfig.length === 0 || hasQuorum(acks, prevConfig));
  // The commit decision is taken once: at the quorum (the commit point) or when all publishes settled without one.
  let decide: (ok: boolean) => void = () => undefined;
  const decision = new Promise<boolean>((r) => (decide = r));
  const perTarget = targets.map((t) =>
    deps
      .publish(t, next)
      .then(async () => {
        acks.add(t.id);
        if (quorum()) decide(true);
        if (await decision) await deps.commit(t, next.term, next.version);
      })
      .catch(() => undefined),
  );
  if (quorum()) decide(true);
  const settled = Promise.all(perTarget).then(() => undefined);
  void settled.then(() => decide(quorum()));
  return { committed: await decision, settled };
}
