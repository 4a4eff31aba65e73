/**
 * What the live event stream says about fleet and cluster status, decided purely: a digest of the
 * fields an operator watches (host liveness and agent version, cluster health and ready members),
 * and the changes between two digests. The stream's ticker computes one digest per interval for
 * all its clients; nothing here reads a clock or a store.
 */
import type { ClusterSummary, HostView } from '../api/contract.js';

/** One watched value of a host or cluster, keyed `host/<name>` or `cluster/<name>`. */
export interface StatusEntry {
  kind: 'host' | 'cluster';
  name: string;
  /** host: connected | disconnected; cluster: its health (healthy, degraded, …). */
  state: string;
  /** host: agent version and applied/desired generation; cluster: ready/members and the reason. */
  detail: string;
}

/** A status digest: watched values by key. */
export type StatusDigest = ReadonlyMap<string, StatusEntry>;

/** One change between two digests (`from`/`to` null when the host or cluster appeared or went). */
export interface StatusChange {
  kind: 'host' | 'cluster';
  name: string;
  from: string | null;
  to: string | null;
  detail: string;
}

/** The digest of the hosts' and clusters' current views. */
export function planStatusDigest(
  hosts: readonly HostView[],
  clusters: readonly ClusterSummary[],
): StatusDigest {
  const out = new Map<string, StatusEntry>();
  for (const h of hosts)
    out.set(`host/${h.name}`, {
      kind: 'host',
      name: h.name,
      state: h.connected ? 'connected' : 'disconnected',
      detail: `agent ${h.agentVersion || '?'} generation ${h.appliedGeneration}/${h.generation}`,
    });
  for (const c of clusters)
    out.set(`cluster/${c.name}`, {
      kind: 'cluster',
      name: c.name,
      state: c.health,
      detail: `${c.ready}/${c.members} ready${c.reason ? `: ${c.reason}` : ''}`,
    });
  return out;
}

/** The entries that changed state or detail, appeared or went, in key order. */
export function diffStatusDigest(prev: StatusDigest, next: StatusDigest): StatusChange[] {
  const keys = [...new Set([...prev.keys(), ...next.keys()])].sort();
  const out: StatusChange[] = [];
  for (const k of keys) {
    const a = prev.get(k);
    const b = next.get(k);
    if (a && b && a.state === b.state && a.detail === b.detail) continue;
    const e = (b ?? a)!;
    out.push({
      kind: e.kind,
      name: e.name,
      from: a?.state ?? null,
      to: b?.state ?? null,
      detail: b?.detail ?? '',
    });
  }
  return out;
}
