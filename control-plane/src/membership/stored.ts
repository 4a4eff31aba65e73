import type { ClusterSpecBase, InstancePlan } from '@hactl/shared';
import { defaultRolloutOptions, type RolloutChoices, type RolloutOptions } from '../rollout/options.js';
import {
  planCluster,
  withClusters,
  type FleetSnapshot,
  type SnapshotCluster,
} from '../reconcile/snapshot.js';
import { pendingStepRow, type RolloutRow, type Store } from '../store/store.js';
import { planEffectivePlans, type StepProgress } from './plan.js';
import type { PlannedProcedure } from './procedure.js';

/** The rollout action of a membership procedure. */
export const MEMBERSHIP_ACTION = 'membership';

/** Whether a stored rollout is a membership procedure. */
export function isProcedure(r: Pick<RolloutRow, 'action'>): boolean {
  return r.action === MEMBERSHIP_ACTION;
}

/**
 * Stores a planned procedure as a running rollout (action `membership`) with its steps and the spec
 * of each phase, inside the caller's transaction (the revision it carries out is stored in the same
 * one). `forceRemoval` is passed to the agents' stop steps (a Kafka broker that still holds replicas
 * is stopped anyway). The operator's `timings` (pause between steps, gate timeout) apply as to any
 * rollout. A procedure never rolls back on a gate timeout: it pauses, since a half-done change
 * cannot be undone by applying the old spec at once (revisions.ts refuses another policy).
 */
export function insertProcedure(
  store: Store,
  o: {
    id: string;
    cluster: string;
    revision: number;
    now: number;
    forceRemoval: boolean;
    timings?: Pick<RolloutChoices, 'pauseBetweenSec' | 'gateTimeoutSec'>;
    planned: PlannedProcedure;
  },
): void {
  const options: RolloutOptions = {
    ...defaultRolloutOptions(MEMBERSHIP_ACTION),
    ...(o.timings?.pauseBetweenSec !== undefined ? { pauseBetweenSec: o.timings.pauseBetweenSec } : {}),
    ...(o.timings?.gateTimeoutSec !== undefined ? { gateTimeoutSec: o.timings.gateTimeoutSec } : {}),
    onGateTimeout: 'pause',
    ...(o.forceRemoval ? { forceRemoval: true } : {}),
  };
  store.insertRollout(
    {
      id: o.id,
      cluster: o.cluster,
      action: MEMBERSHIP_ACTION,
      revision: o.revision,
      state: o.planned.steps.length ? 'running' : 'completed',
      reason: o.planned.steps.length ? '' : 'no member needs a step',
      options_json: JSON.stringify(options),
      created_at: o.now,
      updated_at: o.now,
    },
    o.planned.steps.map((s, idx) =>
      pendingStepRow({
        rollout_id: o.id,
        idx,
        instance_id: s.instance,
        host_id: s.hostId,
        op: s.op,
        phase: s.phase,
      }),
    ),
    o.planned.specs.map((spec, phase) => ({ rollout_id: o.id, phase, spec_json: JSON.stringify(spec) })),
  );
}

/** A running or paused procedure's phases planned against the snapshot's fleet, and its steps' progress. */
export interface LoadedProcedure {
  rollout: RolloutRow;
  specs: ClusterSpecBase[];
  phases: InstancePlan[][];
  steps: StepProgress[];
  /** Why a phase cannot be planned now (a host gone); the cluster's members keep their last plans. */
  planError?: string;
}

/** The cluster's running or paused membership procedure, if any, planned against `snap`'s fleet. */
export function loadProcedure(
  store: Store,
  snap: FleetSnapshot,
  cluster: string,
): LoadedProcedure | undefined {
  const rollout = store.listRollouts({ cluster, states: ['running', 'paused'] }).find((r) => isProcedure(r));
  if (!rollout) return undefined;
  const specs = store.listRolloutPhases(rollout.id).map((p) => JSON.parse(p.spec_json) as ClusterSpecBase);
  const planned = specs.map((s) => planCluster(s, snap.context));
  const failed = planned.find((x) => x.planError !== undefined);
  if (failed) return { rollout, specs, phases: [], steps: [], planError: failed.planError };
  const phases = planned.map((x) => x.plans);
  const steps = store.listRolloutSteps(rollout.id).map((s) => ({
    phase: s.phase ?? 0,
    op: s.op ?? 'restart',
    instance: s.instance_id,
    state: s.state,
  }));
  return { rollout, specs, phases, steps };
}

/**
 * The snapshot with each cluster under a membership procedure planned as the procedure's progress
 * says (planEffectivePlans): held members not planned yet, removed members still planned until their
 * stop step. Everything that reads plans — desired states, health, leases, rollouts — then sees the
 * members as they are meant to run now. Reads the store's procedures.
 */
export function withProcedures(snap: FleetSnapshot, store: Store): FleetSnapshot {
  const active = store.listRollouts({ states: ['running', 'paused'] }).filter((r) => isProcedure(r));
  if (active.length === 0) return snap;
  const replaced = new Map<string, SnapshotCluster>();
  for (const r of active) {
    const c = replaced.get(r.cluster) ?? snap.clusters.get(r.cluster);
    const p = c && loadProcedure(store, snap, r.cluster);
    if (!c || !p) continue;
    replaced.set(
      r.cluster,
      p.planError !== undefined
        ? { ...c, planError: `membership procedure ${r.id}: ${p.planError}` }
        : { ...c, plans: planEffectivePlans(p.phases, p.steps) },
    );
  }
  return withClusters(snap, [...replaced.values()]);
}
