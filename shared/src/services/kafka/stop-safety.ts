import { capList } from '../../cap-list.js';
import type { KafkaPartition, KafkaPartitionView } from './partition-state.js';

/**
 * Whether broker N may stop now:
 * - `stop`: every partition it hosts keeps at least its topic's `min.insync.replicas` in-sync
 *   replicas without it, and no other partition is under-replicated or offline;
 * - `wait`: not now, but waiting can fix it (a replica catching up, a leader being elected, a
 *   reassignment finishing);
 * - `refuse`: waiting cannot fix it: a partition on N has too few replicas for its
 *   `min.insync.replicas` even when all are in sync (replication factor 1, or RF = min ISR), so
 *   stopping N takes it offline or stops `acks=all` writes to it until N is back.
 */
export type KafkaStopVerdict = 'stop' | 'wait' | 'refuse';

export interface KafkaStopDecision {
  verdict: KafkaStopVerdict;
  /** One line per problem (at most `MAX_REASONS`, then a count), or one line saying why it is safe. */
  reasons: string[];
}

/** Reasons listed per decision before the rest is counted, so a refusal stays readable. */
export const MAX_REASONS = 8;

const list = (xs: readonly number[]) => `[${xs.join(',')}]`;
const name = (p: KafkaPartition) => `${p.topic}-${p.partition}`;

const cap = (xs: readonly string[]): string[] => capList(xs, MAX_REASONS);

interface Problem {
  kind: 'reassigning' | 'offline' | 'behind';
  text: string;
}

/**
 * What keeps a partition from being whole: a reassignment in progress, no leader, or an assigned
 * replica other than `except` missing from the ISR.
 */
function partitionProblem(p: KafkaPartition, except?: number): Problem | undefined {
  if (p.adding?.length || p.removing?.length)
    return {
      kind: 'reassigning',
      text: `${name(p)}: reassignment in progress (adding ${list(p.adding ?? [])}, removing ${list(p.removing ?? [])})`,
    };
  if (p.leader < 0)
    return {
      kind: 'offline',
      text: `${name(p)}: offline (no leader; isr ${list(p.isr)} of replicas ${list(p.replicas)})`,
    };
  if (p.replicas.some((r) => !p.isr.includes(r) && r !== except))
    return {
      kind: 'behind',
      text: `${name(p)}: under-replicated, isr ${list(p.isr)} of replicas ${list(p.replicas)}`,
    };
  return undefined;
}

/**
 * Pure: the view's under-replicated partitions (an assigned replica missing from the ISR, as
 * Kafka's UnderReplicatedPartitions counts them, offline ones included) and offline partitions
 * (no leader), for the probe's cluster-wide counts.
 */
export function countKafkaPartitionTrouble(view: KafkaPartitionView): {
  underReplicated: number;
  offline: number;
} {
  return {
    underReplicated: view.partitions.filter((p) => p.replicas.some((r) => !p.isr.includes(r))).length,
    offline: view.partitions.filter((p) => p.leader < 0).length,
  };
}

/**
 * Pure: whether every partition in the view is whole (in sync, led, not reassigning) — the state
 * to wait for after a broker's restart before the next one may go (service-facts §2.5).
 */
export function checkKafkaPartitionsWhole(view: KafkaPartitionView): KafkaStopDecision {
  const problems = view.partitions.map((p) => partitionProblem(p)).filter((x) => x !== undefined);
  return problems.length
    ? { verdict: 'wait', reasons: cap(problems.map((x) => `${view.source}: ${x.text}`)) }
    : { verdict: 'stop', reasons: [`${view.source}: all ${view.partitions.length} partition(s) in sync`] };
}

/**
 * Pure: is it safe to stop broker `brokerId` now, judged on one authoritative view (ZooKeeper's
 * partition state, or one broker's Metadata in KRaft)? Rules, each from Kafka's own docs:
 * - a partition hosted by N must keep ≥ min.insync.replicas in-sync replicas without N, or
 *   producers with `acks=all` fail with NOT_ENOUGH_REPLICAS while N is down (docs/ops "Graceful
 *   shutdown": controlled shutdown only moves leadership to another in-sync replica);
 * - no partition may be under-replicated (ISR ⊉ replicas) for a replica other than N, nor offline
 *   (leader -1), nor in a reassignment: "wait until under-replicated partitions are 0 before the
 *   next broker" (service-facts §2.5). A partition whose only missing replica is N itself does not
 *   hold N back: N is already out of its ISR, so stopping N changes nothing there (this lets a
 *   stuck broker be restarted);
 * - a single-broker cluster (N is the only registered broker and the only replica of everything)
 *   may always stop: there is nothing to keep available, and refusing would forbid every restart.
 */
export function checkKafkaStop(view: KafkaPartitionView, brokerId: number): KafkaStopDecision {
  const refuse: string[] = [];
  const wait: Problem[] = [];
  let hosted = 0;
  const onlyBroker =
    view.brokers.every((b) => b === brokerId) &&
    view.partitions.every((p) => p.replicas.every((r) => r === brokerId));
  for (const p of view.partitions) {
    const minIsr = view.minIsr[p.topic] ?? 1;
    const onN = p.replicas.includes(brokerId);
    if (onN) hosted++;
    const problem = partitionProblem(p, brokerId);
    if (problem) wait.push(problem);
    if (problem && problem.kind !== 'behind') continue;
    if (!onN || onlyBroker) continue;
    // Without N at most RF−1 replicas can be in sync: when that is below min ISR no wait helps.
    // (Otherwise, with no `behind` problem, the ISR without N is all RF−1 others: enough.)
    if (p.replicas.length - 1 < minIsr)
      refuse.push(
        `${name(p)}: replicas ${list(p.replicas)} with min.insync.replicas ${minIsr}: without broker ${brokerId} ` +
          (p.replicas.length === 1 ? 'it is offline' : 'acks=all writes fail') +
          ' until the broker is back, however long one waits',
      );
  }
  if (refuse.length) return { verdict: 'refuse', reasons: cap(refuse.map((r) => `${view.source}: ${r}`)) };
  if (wait.length) return { verdict: 'wait', reasons: cap(wait.map((r) => `${view.source}: ${r.text}`)) };
  return {
    verdict: 'stop',
    reasons: [
      onlyBroker && hosted
        ? `${view.source}: broker ${brokerId} is the cluster's only broker; its ${hosted} partition(s) are offline until it is back`
        : `${view.source}: ${view.partitions.length} partition(s) in sync; each of the ${hosted} on broker ${brokerId} keeps min.insync.replicas without it`,
    ],
  };
}

/** Pure: the decisions over several views (KRaft: one per broker) as one: the worst verdict wins. */
export function combineKafkaStopDecisions(decisions: readonly KafkaStopDecision[]): KafkaStopDecision {
  const rank: Record<KafkaStopVerdict, number> = { stop: 0, wait: 1, refuse: 2 };
  if (!decisions.length) return { verdict: 'wait', reasons: ['no view of the partitions was read'] };
  const worst = decisions.reduce((a, d) => (rank[d.verdict] > rank[a.verdict] ? d : a)).verdict;
  return {
    verdict: worst,
    reasons: decisions.filter((d) => d.verdict === worst).flatMap((d) => d.reasons),
  };
}

/** Topics with replicas on one broker: the topic and how many of its partitions the broker holds. */
export interface BrokerReplicas {
  brokerId: number;
  /** Sorted by topic name; empty when the broker holds no replica. */
  topics: { topic: string; partitions: number }[];
  /** Total replicas on the broker (sum of `topics[].partitions`). */
  replicas: number;
  /** Where the assignment was read (`KafkaPartitionView.source`). */
  source: string;
}

/**
 * Pure: which topics broker `brokerId` still holds replicas of, from the assignment (a reassignment's
 * target replicas count too: the broker is still in the partition's replica set until it finishes).
 */
export function summariseBrokerReplicas(view: KafkaPartitionView, brokerId: number): BrokerReplicas {
  const counts = new Map<string, number>();
  for (const p of view.partitions)
    if (p.replicas.includes(brokerId) || p.adding?.includes(brokerId))
      counts.set(p.topic, (counts.get(p.topic) ?? 0) + 1);
  const topics = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, partitions]) => ({ topic, partitions }));
  return { brokerId, topics, replicas: topics.reduce((n, t) => n + t.partitions, 0), source: view.source };
}
