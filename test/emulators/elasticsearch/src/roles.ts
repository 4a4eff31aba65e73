/**
 * Node roles and their `_cat/nodes` abbreviations (service-facts 4.2, DiscoveryNodeRole.java). Pure.
 */
export const ROLE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  master: 'm',
  data: 'd',
  data_content: 's',
  data_hot: 'h',
  data_warm: 'w',
  data_cold: 'c',
  data_frozen: 'f',
  ingest: 'i',
  ml: 'l',
  remote_cluster_client: 'r',
  transform: 't',
  voting_only: 'v',
};

/** Every role except `voting_only` (and serverless-only `index`/`search`) when `node.roles` is unset. */
export const DEFAULT_ROLES: readonly string[] = Object.keys(ROLE_ABBREVIATIONS)
  .filter((r) => r !== 'voting_only')
  .sort();

export class RoleError extends Error {}

/** Validates `node.roles` the way DiscoveryNode.getRolesFromSettings does and returns them sorted. */
export function checkRoles(roles: readonly string[] | undefined): string[] {
  if (roles === undefined) return [...DEFAULT_ROLES];
  for (const r of roles) {
    if (!(r in ROLE_ABBREVIATIONS)) {
      throw new RoleError(`unknown role [${r}]`);
    }
  }
  const set = new Set(roles);
  if (set.has('voting_only') && !set.has('master')) {
    throw new RoleError('voting-only node must be master-eligible');
  }
  return [...set].sort();
}

/** `node.role` column: sorted abbreviations joined, or `-` for a coordinating-only node. */
export function roleAbbreviations(roles: readonly string[]): string {
  if (roles.length === 0) return '-';
  return roles
    .map((r) => ROLE_ABBREVIATIONS[r] ?? '')
    .sort()
    .join('');
}

export const isMasterEligible = (roles: readonly string[]): boolean => roles.includes('master');

/** Any `data*` role can hold shards (DiscoveryNodeRole.canContainData). */
export const canContainData = (roles: readonly string[]): boolean => roles.some((r) => r === 'data' || r.startsWith('data_'));
