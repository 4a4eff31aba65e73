import { serviceKind, type ClusterHealth, type ClusterSpecBase } from '@hactl/shared';

/** Set once a cluster's dependencies were healthy and it was released to start. */
export const STARTED_FACT = 'hactl.started';

/**
 * Whether a cluster may start, the one answer to "is this cluster held for its dependency?":
 * - `free`: it has no dependency, or it was released before (the `hactl.started` fact). Once
 *   released a cluster stays released: a later ZooKeeper outage must not stop running brokers.
 * - `release`: every dependency is healthy now but the release is not recorded yet; the caller
 *   records the fact and plans the cluster to run.
 * - `held`: some dependency is missing or not healthy; the cluster's instances stay stopped, with
 *   the reason.
 */
export type DependencyHold = { state: 'free' } | { state: 'release' } | { state: 'held'; reason: string };

/**
 * Decides `spec`'s hold from its stored facts and its dependencies' health (`healthOf` answers
 * `missing` for a cluster that does not exist). Pure.
 */
export function checkDependencyHold(
  spec: ClusterSpecBase,
  facts: Readonly<Record<string, string>> | undefined,
  healthOf: (cluster: string) => ClusterHealth | 'missing',
): DependencyHold {
  const deps = serviceKind(spec.kind)?.dependencies?.(spec) ?? [];
  if (deps.length === 0 || facts?.[STARTED_FACT] === '1') return { state: 'free' };
  const waiting = deps.map((d) => ({ d, health: healthOf(d) })).filter((x) => x.health !== 'healthy');
  if (waiting.length === 0) return { state: 'release' };
  return {
    state: 'held',
    reason: `waiting for ${waiting.map((w) => `${w.d} (${w.health})`).join(', ')} to be healthy before the first start`,
  };
}
