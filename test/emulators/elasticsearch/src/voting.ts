/** Voting-configuration arithmetic after ES's CoordinationState / Reconfigurator. Pure. */

export const PLACEHOLDER_PREFIX = '{bootstrap-placeholder}-';

/** A strict majority of `config` voted (VotingConfiguration.hasQuorum); an empty config has none. */
export function hasQuorum(votes: ReadonlySet<string>, config: readonly string[]): boolean {
  if (config.length === 0) return false;
  const n = config.filter((id) => votes.has(id)).length;
  return n * 2 > config.length;
}

const roundDownToOdd = (n: number): number => n - (n % 2 === 0 ? 1 : 0);

/**
 * The voting configuration the elected master moves to when master-eligible nodes join or leave
 * (Reconfigurator.reconfigure): odd-sized, at least 3 once it has been 3, preferring the master, then
 * live nodes already in the config, then other live nodes. A new config without a live quorum is not
 * adopted.
 */
export function reconfigure(
  current: readonly string[],
  liveMasterEligible: readonly string[],
  masterId: string,
  autoShrink: boolean,
): string[] {
  const live = new Set(liveMasterEligible);
  const inConfig = new Set(current);
  const liveCount = live.size;
  let target: number;
  if (autoShrink) {
    target = liveCount >= 3 ? roundDownToOdd(liveCount) : current.length < 3 ? 1 : 3;
  } else {
    target = Math.max(roundDownToOdd(liveCount), current.length);
  }
  const ordered: string[] = [];
  const push = (id: string): void => {
    if (!ordered.includes(id)) ordered.push(id);
  };
  if (live.has(masterId)) push(masterId);
  [...live].filter((id) => inConfig.has(id)).sort().forEach(push);
  [...live].filter((id) => !inConfig.has(id)).sort().forEach(push);
  [...current].filter((id) => !live.has(id)).sort().forEach(push);
  const next = ordered.slice(0, Math.max(1, target)).sort();
  if (!hasQuorum(live, next)) return [...current];
  return next;
}

/**
 * The initial configuration from `cluster.initial_master_nodes` (ClusterBootstrapService): it needs a
 * majority of the named nodes to be discovered; undiscovered names become placeholders.
 */
export function bootstrapConfig(
  requirements: readonly string[],
  discovered: ReadonlyArray<{ id: string; name: string }>,
): string[] | undefined {
  const ids: string[] = [];
  let matched = 0;
  for (const req of requirements) {
    const node = discovered.find((n) => n.name === req || n.id === req);
    if (node) {
      matched++;
      ids.push(node.id);
    } else {
      ids.push(PLACEHOLDER_PREFIX + req);
    }
  }
  if (matched * 2 <= requirements.length) return undefined;
  return [...new Set(ids)].sort();
}
