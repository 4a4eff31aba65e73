import type { AppliedCluster, RevisionDiff, RevisionSummary } from '../../api/contract.js';
import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { renderRaw, type OutputFormat } from '../output.js';
import { renderTable } from '../table.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';
import { changeHeaders } from './headers.js';
import { rolloutChoices, type RolloutChoiceFlags } from './rollout-choices.js';

/** `hactl history CLUSTER`: GET /v1/clusters/{name}/revisions. */
export async function runHistory(
  ctx: CommandContext,
  cluster: string,
  flags: { output: OutputFormat },
): Promise<number> {
  const body = await ctx.client.get(`/v1/clusters/${encodeURIComponent(cluster)}/revisions`);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
    return 0;
  }
  const revs = isRecord(body) && Array.isArray(body.revisions) ? (body.revisions as RevisionSummary[]) : [];
  ctx.io.stdout(
    renderTable(
      ['REVISION', 'CREATED', 'AUTHOR', 'MESSAGE'],
      revs.map((r) => [
        String(r.revision),
        r.createdAt,
        escapeControl(r.author),
        escapeControl(r.message) || '-',
      ]),
    ),
  );
  return 0;
}

function rev(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(v)) throw new UsageError(`${flag} must be a revision number`);
  return Number(v);
}

/** `hactl diff CLUSTER [--from N --to M]`: spec diff and rendered-file diffs per instance. */
export async function runDiff(
  ctx: CommandContext,
  cluster: string,
  flags: { from?: string; to?: string; output: OutputFormat },
): Promise<number> {
  const q = new URLSearchParams();
  const from = rev(flags.from, '--from');
  const to = rev(flags.to, '--to');
  if (from !== undefined) q.set('from', String(from));
  if (to !== undefined) q.set('to', String(to));
  const body = await ctx.client.get(
    `/v1/clusters/${encodeURIComponent(cluster)}/diff${q.size ? `?${q}` : ''}`,
  );
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
    return 0;
  }
  const d = body as RevisionDiff;
  const out = [
    `--- ${escapeControl(cluster)} revision ${d.from}`,
    `+++ ${escapeControl(cluster)} revision ${d.to}`,
    ...d.spec.map(escapeControl),
  ];
  for (const i of d.instances) {
    for (const f of i.files)
      out.push('', `${escapeControl(i.instance)}: ${escapeControl(f.path)}`, ...f.diff.map(escapeControl));
  }
  if (d.spec.length === 0) out.push('(no differences)');
  ctx.io.stdout(out.join('\n') + '\n');
  return 0;
}

/**
 * `hactl rollback CLUSTER --to N [-m TEXT]`: the old spec becomes a new revision, rolled out safely.
 * Refused, changing nothing, while a rollout of the cluster runs or is paused.
 */
export async function runRollback(
  ctx: CommandContext,
  cluster: string,
  flags: { to: string; message?: string } & RolloutChoiceFlags,
): Promise<number> {
  const to = rev(flags.to, '--to')!;
  const r = await ctx.client.post(
    `/v1/clusters/${encodeURIComponent(cluster)}/rollback`,
    { to, ...(flags.message ? { message: flags.message } : {}), ...rolloutChoices(flags) },
    changeHeaders(ctx),
  );
  const res = r as AppliedCluster;
  ctx.io.stdout(
    `cluster/${escapeControl(cluster)} ${res.changed ? `rolled back to revision ${to} as revision ${res.revision}` : `already at the spec of revision ${to}`}\n`,
  );
  if (res.rollout)
    ctx.io.stdout(`rollout/${res.rollout}: ${res.restartOrder?.map(escapeControl).join(' → ')}\n`);
  return 0;
}
