import { UsageError } from '../errors.js';
import { isRecord } from '../api-types.js';
import { renderRaw, type OutputFormat } from '../output.js';
import { renderTable } from '../table.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';
import { changeHeaders } from './headers.js';

/** The REST body of a failover is the engine's view (one definition for server and CLI). */
import type { FailoverView } from '../../api/contract.js';

function checkFailover(body: unknown): FailoverView {
  if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.steps))
    throw new UsageError('the control plane answered with something that is not a failover');
  return body as unknown as FailoverView;
}

export interface FailoverFlags {
  to?: string;
  reason?: string;
  wait?: boolean;
}

/** `hactl failover CLUSTER [--to HOST] [--reason TEXT] [-w]`: POST /v1/clusters/{name}/failover. */
export async function runFailover(
  ctx: CommandContext,
  cluster: string,
  flags: FailoverFlags,
): Promise<number> {
  const body: Record<string, string> = {};
  if (flags.to !== undefined) body.to = flags.to;
  if (flags.reason !== undefined) body.reason = flags.reason;
  const f = checkFailover(
    await ctx.client.post(`/v1/clusters/${encodeURIComponent(cluster)}/failover`, body, changeHeaders(ctx)),
  );
  ctx.io.stdout(
    `failover/${f.id} started: ${escapeControl(f.cluster)} nimbus ${escapeControl(f.from ?? '(none)')} → ${escapeControl(f.to)} (epoch ${f.epoch})\n`,
  );
  if (flags.wait) return follow(ctx, f.id);
  return 0;
}

/** `hactl failover status ID [-w]`: GET /v1/failovers/{id}. */
export async function runFailoverStatus(
  ctx: CommandContext,
  id: string,
  flags: { watch?: boolean; output: OutputFormat },
): Promise<number> {
  if (flags.watch) return follow(ctx, id);
  const body = await ctx.client.get(`/v1/failovers/${encodeURIComponent(id)}`);
  if (flags.output === 'json' || flags.output === 'yaml') ctx.io.stdout(await renderRaw(body, flags.output));
  else ctx.io.stdout(renderFailover(checkFailover(body)));
  return 0;
}

/** Follows a failover until it ends; exit 0 when it completed. */
async function follow(ctx: CommandContext, id: string): Promise<number> {
  let last = '';
  for (;;) {
    const f = checkFailover(await ctx.client.get(`/v1/failovers/${encodeURIComponent(id)}`));
    const text = renderFailover(f);
    if (text !== last) {
      ctx.io.stdout(ctx.io.isTty ? `\u001b[2J\u001b[H${text}` : `${text}\n`);
      last = text;
    }
    if (f.state !== 'running') return f.state === 'completed' ? 0 : 1;
    await ctx.io.sleep(1000);
  }
}

/** A failover as text: who, what, where it is, and each step with its reason. */
export function renderFailover(f: FailoverView): string {
  const lines = [
    `Failover: ${f.id} (${f.trigger === 'auto' ? 'automatic' : `asked for by ${escapeControl(f.author)}`}) of ${escapeControl(f.cluster)}`,
    `Nimbus:   ${escapeControl(f.from ?? '(none)')} → ${escapeControl(f.to)}, fencing epoch ${f.epoch}`,
    `State:    ${f.state}${f.state === 'running' ? ` (step ${f.step})` : ''}, ${(f.elapsedMs / 1000).toFixed(1)}s`,
    `Reason:   ${escapeControl(f.reason)}`,
  ];
  if (f.waiting) lines.push(`Waiting:  ${escapeControl(f.waiting)}`);
  if (f.rollout) lines.push(`Rollout:  ${f.rollout} (hactl rollout status ${f.rollout})`);
  lines.push('Steps:');
  const rows = f.steps.map((s) => [s.at, s.step, escapeControl(s.reason)]);
  return `${lines.join('\n')}\n${renderTable(['AT', 'STEP', 'WHY'], rows, { indent: '  ' })}`;
}
