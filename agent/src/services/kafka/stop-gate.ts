import { HactlError, kafka as shared, type kafka } from '@hactl/shared';
import { errorText, pollUntil, type PollDeps } from '../poll.js';
import { readKafkaPartitionViews, type PartitionReadDeps } from './partitions.js';

type Inputs = kafka.KafkaInputs;

/**
 * Thrown when broker N must not stop and waiting cannot change that (`refuse`): code `conflict`,
 * not retriable (the topic's replication factor or min.insync.replicas must change first).
 */
export class KafkaStopRefusedError extends HactlError {
  constructor(
    readonly brokerId: number,
    readonly reasons: readonly string[],
  ) {
    super('conflict', `broker ${brokerId} must not stop: ${reasons.join('; ')}`);
  }
}

/**
 * Thrown when broker N was still not safe to stop (or the partitions not whole) when the time ran
 * out: code `deadline_exceeded`, retriable.
 */
export class KafkaGateTimeoutError extends HactlError {
  constructor(
    message: string,
    readonly reasons: readonly string[],
  ) {
    super('deadline_exceeded', `${message}: ${reasons.join('; ')}`, { retriable: true });
  }
}

export type GateLoopDeps = PartitionReadDeps & PollDeps;

/**
 * Reads the authority and decides until the decision is not `wait` or `timeoutMs` has passed, then
 * throws (`refuse` → KafkaStopRefusedError, time out → KafkaGateTimeoutError with `late`) or
 * resolves with the reasons. A read that fails counts as `wait` with its error as the reason
 * (ZooKeeper or a broker briefly away). A controller-only KRaft node holds no replicas: nothing to
 * check (its quorum is the control plane's gate).
 */
async function runGate(
  inputs: Inputs,
  timeoutMs: number,
  decide: (view: kafka.KafkaPartitionView) => kafka.KafkaStopDecision,
  late: string,
  deps: GateLoopDeps,
): Promise<string> {
  if (!shared.hasRole(inputs, 'broker')) return 'controller-only node: holds no partition replicas';
  const readMs = Math.min(10_000, Math.max(1000, timeoutMs));
  const { result, timedOut } = await pollUntil(
    timeoutMs,
    async (): Promise<kafka.KafkaStopDecision> => {
      try {
        const views = await readKafkaPartitionViews(inputs, readMs, deps);
        return shared.combineKafkaStopDecisions(views.map(decide));
      } catch (err) {
        return { verdict: 'wait', reasons: [`cannot read the partition state: ${errorText(err)}`] };
      }
    },
    (d) => d.verdict !== 'wait',
    deps,
  );
  if (result.verdict === 'refuse') throw new KafkaStopRefusedError(inputs.id, result.reasons);
  if (timedOut) throw new KafkaGateTimeoutError(late, result.reasons);
  return result.reasons.join('; ');
}

/**
 * The Kafka stop gate, run by the agent with the restart lease held, right before it stops broker
 * `inputs.id` (AgentServiceKind.beforeRestart): waits until the authoritative partition state
 * (partitions.ts) says the broker may stop (`checkKafkaStop`: every partition on it keeps
 * min.insync.replicas without it, nothing else under-replicated or offline). Resolves with the
 * reason it is safe. Throws `KafkaStopRefusedError` at once when waiting cannot help, and
 * `KafkaGateTimeoutError` when it is still not safe after `timeoutMs`. A controller-only KRaft node
 * holds no replicas: its quorum is the control plane's gate, nothing to check here.
 */
export async function beforeKafkaRestart(
  inputs: Inputs,
  timeoutMs: number,
  deps: GateLoopDeps = {},
): Promise<string> {
  return runGate(
    inputs,
    timeoutMs,
    (v) => shared.checkKafkaStop(v, inputs.id),
    `broker ${inputs.id} still not safe to stop after ${timeoutMs} ms`,
    deps,
  );
}

/**
 * After the restarted broker serves again (AgentServiceKind.afterRestart), with the lease still
 * held: waits until the authority shows no partition under-replicated, offline or reassigning
 * (`checkKafkaPartitionsWhole`), i.e. the broker is back in every ISR — "wait for URP = 0 after the
 * restart" (architecture §4, service-facts §2.5) — so the next broker's lease is never granted on a
 * broker cache that has not seen the rejoin yet. Throws `KafkaGateTimeoutError` after `timeoutMs`.
 */
export async function afterKafkaRestart(
  inputs: Inputs,
  timeoutMs: number,
  deps: GateLoopDeps = {},
): Promise<string> {
  return runGate(
    inputs,
    timeoutMs,
    (v) => shared.checkKafkaPartitionsWhole(v),
    `partitions not all in sync ${timeoutMs} ms after broker ${inputs.id} restarted`,
    deps,
  );
}
