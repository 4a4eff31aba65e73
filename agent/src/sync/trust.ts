import fs from 'node:fs/promises';
import { writeFileIfChanged } from '../files/atomic.js';

/**
 * Which control plane an agent follows (issue 16 #6: an agent pointed at a fresh, empty control
 * plane accepted its generation 1 with no instances and stopped its ZooKeeper member).
 *
 * Every control plane has an id, generated at its first start and kept in its store, and sends it
 * in the welcome. The agent remembers the first one whose desired state it applies
 * (`<state-dir>/control-plane.json`) and from then on refuses desired states:
 *
 * 1. from a control plane with another id (a fresh install, or another fleet's);
 * 2. whose generation is lower than the one it applied (a store restored from an old backup);
 * 3. that remove every instance it runs when no control plane is remembered yet (an agent
 *    upgraded from a version without ids, whose state file was lost, …).
 *
 * A refused state changes nothing: the services keep running on the last applied state, and the
 * reason is reported (the control plane shows it as the host's apply error). The operator's way out
 * is explicit: `hactl-agent --accept-control-plane <id>` (the id from `GET /v1/info` or from the
 * refusal message) makes the agent apply that control plane's next desired state whatever it says,
 * once per start, and remember it.
 */

export interface TrustInput {
  /** The id this agent remembers; undefined when it never applied a state from an identified control plane. */
  remembered: string | undefined;
  /** The id in this stream's welcome; '' from a control plane that has none (older version). */
  controlPlaneId: string;
  /** `--accept-control-plane`, while not yet used in this process. */
  accept: string | undefined;
  /** The generation applied last (0 when nothing was, or the saved state was unusable). */
  appliedGeneration: number;
  /** Instances the agent runs now. */
  runningInstances: number;
  incomingGeneration: number;
  incomingInstances: number;
}

export type TrustDecision =
  { ok: true; remember: string | undefined; acceptUsed: boolean } | { ok: false; reason: string };

/** Decides whether a desired state may be applied. Pure. */
export function checkTrust(t: TrustInput): TrustDecision {
  const cp = t.controlPlaneId;
  const remember = cp && cp !== t.remembered ? cp : undefined;
  if (t.accept !== undefined && cp === t.accept) return { ok: true, remember, acceptUsed: true };
  const override = cp
    ? ` If it is right to follow it, restart the agent with --accept-control-plane ${cp}.`
    : ' That control plane has no id (an older version); upgrade it first.';
  if (t.remembered !== undefined && cp !== t.remembered) {
    return {
      ok: false,
      reason:
        `refused the desired state of control plane ${cp || '(without an id)'}: this agent belongs to control plane ${t.remembered}, ` +
        `and a control plane with another identity (a fresh install, or another fleet's) must not take over its services; ` +
        `the last applied state keeps running.${override}`,
    };
  }
  if (t.incomingGeneration < t.appliedGeneration) {
    return {
      ok: false,
      reason:
        `refused generation ${t.incomingGeneration}: this agent already applied generation ${t.appliedGeneration} and generations only go up ` +
        `(was the control plane's store restored from an older copy?); ` +
        `the last applied state keeps running.${override}`,
    };
  }
  if (t.remembered === undefined && t.runningInstances > 0 && t.incomingInstances === 0) {
    return {
      ok: false,
      reason:
        `refused the first desired state of control plane ${cp || '(without an id)'}: it would remove all ${t.runningInstances} instance(s) this agent runs, ` +
        `and a first contact never does that on its own; ` +
        `the last applied state keeps running.${override}`,
    };
  }
  return { ok: true, remember, acceptUsed: false };
}

/** `<state-dir>/control-plane.json`: the id of the control plane this agent follows. */
export async function readRememberedControlPlane(
  file: string,
  idRe: RegExp,
): Promise<{ id: string | undefined; problem?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { id: undefined };
    return { id: undefined, problem: `${file}: cannot be read: ${(err as Error).message}` };
  }
  try {
    const v = JSON.parse(text) as unknown;
    const id = typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && idRe.test(id)) return { id };
    return { id: undefined, problem: `${file}: id: must be a control plane id` };
  } catch {
    return { id: undefined, problem: `${file}: not JSON` };
  }
}

export async function writeRememberedControlPlane(file: string, id: string): Promise<void> {
  await writeFileIfChanged(file, JSON.stringify({ id }) + '\n', { mode: 0o600 });
}
