import type { ClusterSpecBase } from '../domain.js';

/**
 * `specs` as FleetContext.clusters holds them: by name, the first of a name kept (as a search of
 * the list in order finds it). For callers that have a list (tests, previews). Pure.
 */
export function clusterSpecMap(specs: Iterable<ClusterSpecBase>): ReadonlyMap<string, ClusterSpecBase> {
  const byName = new Map<string, ClusterSpecBase>();
  for (const s of specs) if (!byName.has(s.name)) byName.set(s.name, s);
  return byName;
}
