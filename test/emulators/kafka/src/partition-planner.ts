/**
 * The controller's partition decisions, as pure functions of (replicas, current state, live
 * brokers). They follow Kafka's ZK controller: a dead replica leaves the ISR but the ISR never
 * shrinks below one member, and a dead leader becomes -1 when no live ISR member remains (no unclean
 * election) [kafka ReplicaStateMachine.removeReplicasFromIsr, PartitionLeaderElectionAlgorithms];
 * controller-driven changes bump leader_epoch; a returning replica rejoins the ISR once a leader
 * exists (the emulator has no log to catch up, so it rejoins at once).
 */
export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
}

export interface PlanInput {
  readonly replicas: readonly number[];
  readonly current: PartitionState | undefined;
  readonly live: ReadonlySet<number>;
  /** Brokers in controlled shutdown: they lose leadership and leave the ISR where possible. */
  readonly shuttingDown: ReadonlySet<number>;
  readonly controllerEpoch: number;
}

const sameList = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Returns the new state, or undefined when nothing changes. */
export function planPartitionState(input: PlanInput): PartitionState | undefined {
  const { replicas, current, live, shuttingDown, controllerEpoch } = input;
  const eligible = (id: number): boolean => live.has(id) && !shuttingDown.has(id);
  if (!current) {
    const isr = replicas.filter(eligible);
    return { leader: isr[0] ?? -1, leaderEpoch: 0, isr: isr.length > 0 ? isr : replicas.slice(0, 1), controllerEpoch };
  }
  let isr = current.isr.filter(eligible);
  if (isr.length === 0) {
    // Keep the last ISR member: a live broker that is shutting down keeps serving (Kafka reports the
    // partition as remaining); otherwise it is the last known leader.
    const keep = current.isr.includes(current.leader) ? current.leader : current.isr[0];
    isr = keep === undefined ? [] : [keep];
  }
  let leader: number;
  if (current.leader !== -1 && eligible(current.leader) && isr.includes(current.leader)) leader = current.leader;
  else {
    leader = replicas.find((r) => eligible(r) && isr.includes(r)) ?? -1;
    if (leader === -1 && live.has(current.leader) && isr.includes(current.leader)) leader = current.leader;
  }
  const bump = leader !== current.leader || current.isr.some((r) => !isr.includes(r));
  if (leader !== -1) {
    for (const r of replicas) if (eligible(r) && !isr.includes(r)) isr = [...isr, r];
  }
  if (leader === current.leader && sameList(isr, current.isr)) return undefined;
  return { leader, leaderEpoch: current.leaderEpoch + (bump ? 1 : 0), isr, controllerEpoch };
}

/**
 * Preferred-replica election (auto.leader.rebalance.enable): move leadership back to the first
 * replica once it is live and in the ISR. [kafka KafkaController.checkAndTriggerAutoLeaderRebalance]
 */
export function planPreferredLeader(
  replicas: readonly number[],
  current: PartitionState,
  live: ReadonlySet<number>,
  controllerEpoch: number,
): PartitionState | undefined {
  const preferred = replicas[0];
  if (preferred === undefined || current.leader === preferred) return undefined;
  if (!live.has(preferred) || !current.isr.includes(preferred)) return undefined;
  return { leader: preferred, leaderEpoch: current.leaderEpoch + 1, isr: current.isr, controllerEpoch };
}

/**
 * Replica assignment without racks: partition p gets brokers[(p + j) % n] for j < rf (Kafka starts at
 * a random index; the emulator is deterministic so tests can predict it).
 */
export function assignReplicas(brokers: readonly number[], partitions: number, replicationFactor: number): number[][] {
  const sorted = [...brokers].sort((a, b) => a - b);
  const rf = Math.min(replicationFactor, sorted.length);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const replicas: number[] = [];
    for (let j = 0; j < rf; j++) replicas.push(sorted[(p + j) % sorted.length]!);
    out.push(replicas);
  }
  return out;
}
