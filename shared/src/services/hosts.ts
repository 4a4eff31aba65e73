import type { HostRecord } from '../domain.js';
import { PlanError, type ErrorDetail } from '../errors.js';

/**
 * Host references in cluster specs. A spec names a host by its id or its name (config-values.ts
 * hostRefSchema); the id wins when one host's id is another's name. Every kind resolves hosts
 * through these three functions: validation with `lookupHost` (an unknown host is a problem at the
 * field), planning with `requireHost` (a validated spec whose host is gone is a PlanError). Pure.
 */

/** The registered host `ref` names (by id first, then by name), or undefined. */
export function findHost(hosts: readonly HostRecord[], ref: string): HostRecord | undefined {
  return hosts.find((h) => h.id === ref) ?? hosts.find((h) => h.name === ref);
}

/**
 * Validation: the host `ref` at field `path` names, or undefined after pushing an
 * `unknown host "<ref>" (no agent registered with that name or id)` problem at `path`.
 */
export function lookupHost(
  hosts: readonly HostRecord[],
  ref: string,
  path: string,
  problems: ErrorDetail[],
): HostRecord | undefined {
  const host = findHost(hosts, ref);
  if (!host)
    problems.push({
      path,
      message: `unknown host ${JSON.stringify(ref)} (no agent registered with that name or id)`,
    });
  return host;
}

/**
 * Planning: the host `ref` at field `path` of cluster `cluster` names. Throws a PlanError when no
 * such host is registered (the spec was not validated, or the host was removed since).
 */
export function requireHost(
  hosts: readonly HostRecord[],
  ref: string,
  cluster: string,
  path: string,
): HostRecord {
  const host = findHost(hosts, ref);
  if (!host) throw new PlanError(cluster, path, `unknown host ${JSON.stringify(ref)} (not registered)`);
  return host;
}
