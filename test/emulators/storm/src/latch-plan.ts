/**
 * Pure half of Curator's LeaderLatch as Storm uses it (LeaderElectorImp, `/leader-lock`).
 *
 * Curator creates `latch-` nodes with protection (`_c_<uuid>-latch-<seq>`, ephemeral sequential)
 * and orders them by the text after the last `latch-` (LockInternals.getSortedChildren with
 * fixForSorting). The first node leads; every other member watches only its predecessor, so a
 * deletion wakes exactly one waiter.
 */
export const LATCH_LOCK_NAME = 'latch-';
export const LEADER_LOCK_PATH = '/leader-lock';

export function latchNodePrefix(uuid: string): string {
  return `_c_${uuid}-${LATCH_LOCK_NAME}`;
}

function sortKey(name: string): string {
  const i = name.lastIndexOf(LATCH_LOCK_NAME);
  return i >= 0 ? name.slice(i + LATCH_LOCK_NAME.length) : name;
}

export function sortLatchChildren(children: readonly string[]): string[] {
  return [...children].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

export type LatchPlan =
  { kind: 'leader' } | { kind: 'follower'; watch: string } | { kind: 'missing'; reason: string };

export function planLatch(children: readonly string[], ours: string): LatchPlan {
  const sorted = sortLatchChildren(children);
  const i = sorted.indexOf(ours);
  if (i < 0) return { kind: 'missing', reason: `our latch node ${ours} is gone` };
  if (i === 0) return { kind: 'leader' };
  return { kind: 'follower', watch: sorted[i - 1]! };
}

/**
 * The participant id a nimbus writes into its latch node: NimbusInfo.toHostPortString, which is
 * `host:port:tlsPort` in every 2.8.x (STORM-4070; tlsPort 0 without `nimbus.thrift.tls.port`), as
 * recorded from real Storm 2.8.3 (test/recorded/leader-lock-storm2.8.3.json).
 */
export function latchParticipantId(host: string, port: number, tlsPort = 0): string {
  return `${host}:${port}:${tlsPort}`;
}

export interface NimbusId {
  host: string;
  port: number;
}

/**
 * NimbusInfo.parse: `host:port:tlsPort` (Storm with mTLS support) or `host:port`.
 * Returns undefined for a blank id, where Zookeeper.toNimbusInfo throws
 * "No nimbus leader participant host found, have you started your nimbus hosts?".
 */
export function parseNimbusId(id: string): NimbusId | undefined {
  const tls = /^(.*):([0-9]+):([0-9]+)$/.exec(id);
  if (tls) return { host: tls[1]!, port: Number(tls[2]) };
  const plain = /^(.*):([0-9]+)$/.exec(id);
  if (plain) return { host: plain[1]!, port: Number(plain[2]) };
  return undefined;
}
