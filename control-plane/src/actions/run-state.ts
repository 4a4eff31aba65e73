import { memberOfInstance, type ClusterStatus, type InstancePlan } from '@hactl/shared';

/**
 * Operator stops (`hactl stop MEMBER`): a member the operator stopped stays stopped (desired run
 * state) until `hactl start`, across control-plane restarts and re-applies of the spec. The stop is
 * kept as a cluster fact `hactl.stopped:<member>` (store cluster_facts): facts outlive revisions and
 * restarts, die with the cluster, and every plan of a cluster is made against its facts
 * (snapshot.ts planCluster), so the stop is applied in the one place plans are made. An empty value
 * means running (facts are never deleted one by one).
 */

/** The fact key prefix of an operator stop; the member name follows. */
export const STOPPED_FACT_PREFIX = 'hactl.stopped:';

/** Who stopped a member, when and why, as stored in its fact. */
export interface OperatorStop {
  /** The caller that stopped it (token name, or the x-hactl-author header). */
  by: string;
  /** ISO time of the stop request. */
  at: string;
  /** The operator's reason ('' when none was given; required with force). */
  reason: string;
  /** The stop overrode a refusal of the stop gates (`--force`). */
  forced: boolean;
}

/** The fact key of `instance`'s operator stop. */
export function stoppedFactKey(instance: string): string {
  return `${STOPPED_FACT_PREFIX}${memberOfInstance(instance)}`;
}

/** OperatorStop → its fact value. Pure. */
export function encodeOperatorStop(s: OperatorStop): string {
  return JSON.stringify({ by: s.by, at: s.at, reason: s.reason, forced: s.forced });
}

/**
 * The operator stop of `instance` recorded in its cluster's `facts`, or undefined when it is not
 * stopped by the operator (no fact, an empty one, or one that is not an OperatorStop: a fact this
 * code did not write is not trusted to stop a member). Pure.
 */
export function readOperatorStop(
  facts: Readonly<Record<string, string>> | undefined,
  instance: string,
): OperatorStop | undefined {
  const raw = facts?.[stoppedFactKey(instance)];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<OperatorStop>;
    if (typeof v.by !== 'string' || typeof v.at !== 'string' || typeof v.reason !== 'string')
      return undefined;
    return { by: v.by, at: v.at, reason: v.reason, forced: v.forced === true };
  } catch {
    return undefined;
  }
}

/**
 * Whether `facts` hold any operator stop (a non-empty stop fact). Most clusters have none, and then
 * nothing below looks a member up: at 10,000 members the lookups (a key built per member) were a
 * visible part of every apply and every status rollup (bench profile). Pure.
 */
function anyOperatorStop(facts: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(facts ?? {}).some(([k, v]) => v !== '' && k.startsWith(STOPPED_FACT_PREFIX));
}

/** `plans` with the members the operator stopped planned `stopped`. Pure; the input is not changed. */
export function applyOperatorStops(
  plans: readonly InstancePlan[],
  facts: Readonly<Record<string, string>> | undefined,
): InstancePlan[] {
  if (!anyOperatorStop(facts)) return [...plans];
  return plans.map((p) =>
    p.runState === 'running' && readOperatorStop(facts, p.id) ? { ...p, runState: 'stopped' } : p,
  );
}

/** How a member the operator stopped shows in its cluster's status: `zk-main/zk-2 stopped by alice (disk swap)`. */
export function describeOperatorStop(instance: string, s: OperatorStop): string {
  return `${instance} stopped by ${s.by}${s.forced ? ' (forced)' : ''}${s.reason ? `: ${s.reason}` : ''}`;
}

/**
 * Marks the members the operator stopped in a cluster's health rollup (in place): each gets
 * `stoppedByOperator` and a detail saying so, and the cluster's reason starts with who stopped
 * what, so a stopped member reads as the operator's doing and not as a failure. The health the kind
 * gave stays: a three-server ensemble with one server stopped can lose no further server, and the
 * restart gates must see that. Pure apart from the mutation of `status`.
 */
export function markOperatorStops(
  status: ClusterStatus,
  facts: Readonly<Record<string, string>> | undefined,
): void {
  if (!anyOperatorStop(facts)) return;
  const notes: string[] = [];
  for (const m of status.members) {
    const stop = readOperatorStop(facts, m.instance);
    if (!stop) continue;
    m.stoppedByOperator = stop;
    m.detail = `${describeOperatorStop(m.instance, stop)}; start it with: hactl start ${m.instance}`;
    notes.push(describeOperatorStop(m.instance, stop));
  }
  if (notes.length) status.reason = `${notes.join('; ')}; ${status.reason}`;
}
