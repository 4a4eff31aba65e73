import type { DesiredInstance } from '@hactl/shared';

/** One instance of a desired state (the domain's one type; here after the agent checked its inputs). */
export type { DesiredInstance } from '@hactl/shared';

export interface InstanceDiff {
  /** New instances: render, then start if running. */
  add: DesiredInstance[];
  /** Instances no longer desired: stop and forget. */
  remove: string[];
  /** Instances whose inputs or run state changed: re-render and reconcile. */
  update: DesiredInstance[];
  /** Unchanged instances. */
  keep: string[];
}

/**
 * Pure diff of what the agent manages against a new desired state, keyed by instance id (as Nomad's
 * client diffs allocations before doing any I/O).
 */
export function diffInstances(
  current: ReadonlyMap<string, DesiredInstance>,
  desired: readonly DesiredInstance[],
): InstanceDiff {
  const out: InstanceDiff = { add: [], remove: [], update: [], keep: [] };
  const wanted = new Set<string>();
  for (const d of desired) {
    wanted.add(d.id);
    const cur = current.get(d.id);
    if (!cur) out.add.push(d);
    else if (
      cur.kind !== d.kind ||
      cur.runState !== d.runState ||
      JSON.stringify(cur.inputs) !== JSON.stringify(d.inputs)
    )
      out.update.push(d);
    else out.keep.push(d.id);
  }
  for (const id of current.keys()) if (!wanted.has(id)) out.remove.push(id);
  return out;
}
