import type { HostRecord } from '../domain.js';
import { PlanError, type ErrorDetail } from '../errors.js';

/**
 * Host references in cluster specs. A spec names a host by its id or its name (config-values.ts
 * hostRefSchema); the id wins when one host's id is another's name. Every kind resolves hosts
 * through these functions: validation with `lookupHost` (an unknown host is a problem at the
 * field), planning with `requireHost` (a validated spec whose host is gone is a PlanError). Pure.
 */

/**
 * Lookup indexes per host list, built on first use. A Storm cluster with a supervisor on each of
 * 10,000 hosts resolves 10,000 references per plan; a linear search made that 10^8 comparisons.
 * Host lists are immutable once handed to the kinds (the control plane's snapshot), so an index
 * keyed by the list stays valid; the memo is invisible to callers.
 */
const indexes = new WeakMap<
  readonly HostRecord[],
  { byId: Map<string, HostRecord>; byName: Map<string, HostRecord> }
>();

function indexOf(hosts: readonly HostRecord[]): {
  byId: Map<string, HostRecord>;
  byName: Map<string, HostRecord>;
} {
  let index = indexes.get(hosts);
  if (!index) {
    index = { byId: new Map(), byName: new Map() };
    // The first host with an id or name wins, as a search in list order would find it.
    for (const h of hosts) {
      if (!index.byId.has(h.id)) index.byId.set(h.id, h);
      if (!index.byName.has(h.name)) index.byName.set(h.name, h);
    }
    indexes.set(hosts, index);
  }
  return index;
}

/** The registered host `ref` names (by id first, then by name), or undefined. */
export function findHost(hosts: readonly HostRecord[], ref: string): HostRecord | undefined {
  const index = indexOf(hosts);
  return index.byId.get(ref) ?? index.byName.get(ref);
}

/** The registered host whose id is `id` (a plan's `hostId`; never a name), or undefined. */
export function findHostById(hosts: readonly HostRecord[], id: string): HostRecord | undefined {
  return indexOf(hosts).byId.get(id);
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
