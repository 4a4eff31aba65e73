/**
 * Instance ids: `<cluster>/<member>` (e.g. `zk-main/zk-1`, `kafka-main/kafka-2`,
 * `storm-main/nimbus-storm1`). Cluster names are validated names without `/` (config-values.ts
 * nameSchema), so the first `/` always separates the cluster from the member. Every place that
 * builds or reads an id goes through these three functions instead of splitting strings.
 */

/** `<cluster>/<member>`. */
export function instanceId(cluster: string, member: string): string {
  return `${cluster}/${member}`;
}

/** The cluster part of an instance id; the whole string when it has no `/` (not an instance id). */
export function clusterOfInstance(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

/** The member part of an instance id (`zk-1` of `zk-main/zk-1`); '' when it has no `/`. */
export function memberOfInstance(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? '' : id.slice(slash + 1);
}
