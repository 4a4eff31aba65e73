import type { AgentCommandResult, ClusterPreview, PreviewInstance } from '../reconcile/fleet.js';

/** A host's answer on whether an instance could start on its (new) distribution. */
export interface HostCheck {
  /** False when the host could not be asked (not connected, no answer, an older agent). */
  checked: boolean;
  ok: boolean;
  /** The package is not downloaded yet: the agent fetches and verifies it when the revision is applied. */
  packageMissing?: boolean;
  detail: string;
}

export type PreviewInstanceView = Omit<PreviewInstance, 'hostId' | 'kind' | 'inputs' | 'distribution'> & {
  distribution?: { from?: string; to: string; changed: boolean; check?: HostCheck };
};

/**
 * The dry run's answer for one cluster: the preview, each host's check, and warnings to read
 * before applying (validation's, then the hosts').
 */
export interface ClusterPreviewView extends Omit<ClusterPreview, 'instances'> {
  instances: PreviewInstanceView[];
}

export type AskAgent = (
  hostId: string,
  q: { instanceId: string; action: string; args: string[] },
) => Promise<AgentCommandResult>;

/**
 * Asks the hosts of a preview whether they have what the new spec needs: every instance that is
 * added or moves to another distribution gets the agent's `check-distribution` answer (the same
 * check the agent makes before it stops a process for the restart). Hosts report what they have;
 * the control plane does not guess from paths.
 */
export async function checkPreviewHosts(p: ClusterPreview, ask: AskAgent): Promise<ClusterPreviewView> {
  const warnings = [...p.warnings];
  const instances = await Promise.all(
    p.instances.map(async (i): Promise<PreviewInstanceView> => {
      const { hostId, kind, inputs, distribution, ...rest } = i;
      if (!distribution) return rest;
      const needsCheck = i.change === 'add' || (i.change === 'update' && distribution.changed);
      if (!needsCheck) return { ...rest, distribution };
      const check = readCheck(
        await ask(hostId, {
          instanceId: i.instance,
          action: 'check-distribution',
          args: [kind, JSON.stringify(inputs)],
        }),
      );
      const w = warningFor(i, distribution, check);
      if (w) warnings.push(w);
      return { ...rest, distribution: { ...distribution, check } };
    }),
  );
  return { ...p, instances, warnings };
}

/** Reads an agent's answer; an error (not connected, timeout, an agent without the check) means not checked. */
export function readCheck(r: AgentCommandResult): HostCheck {
  if (!r.ok) return { checked: false, ok: false, detail: `not checked: ${r.error}` };
  try {
    const a = JSON.parse(r.output) as { ok?: unknown; packageMissing?: unknown; problems?: unknown };
    const problems = Array.isArray(a.problems) ? a.problems.map(String) : [];
    if (a.ok === true) return { checked: true, ok: true, detail: 'present' };
    if (a.packageMissing === true)
      return {
        checked: true,
        ok: true,
        packageMissing: true,
        detail:
          'not downloaded yet; the agent downloads and verifies it when the revision is applied, before any restart',
      };
    return { checked: true, ok: false, detail: problems.join('; ') || 'cannot start' };
  } catch {
    return {
      checked: false,
      ok: false,
      detail: 'not checked: the agent answered with something that is not JSON',
    };
  }
}

function warningFor(i: PreviewInstance, d: { from?: string; to: string }, c: HostCheck): string | undefined {
  if (!c.checked) return `${i.host}: ${i.instance} on ${d.to}: ${c.detail}`;
  if (c.ok) return undefined;
  const consequence =
    i.change === 'add'
      ? 'it would not start'
      : `its rollout step would fail and leave it running ${d.from ?? 'the old distribution'}; install the distribution first or fix the spec`;
  return `${i.host} cannot start ${i.instance} on ${d.to}: ${c.detail}; ${consequence}`;
}
