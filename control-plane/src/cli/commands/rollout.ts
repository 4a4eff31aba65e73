import { HactlError } from '@hactl/shared/errors';
import { UsageError } from '../errors.js';
import { isRecord } from '../api-types.js';
import { renderRaw, type OutputFormat } from '../output.js';
import { renderTable } from '../table.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';
import { rolloutChoices, type RolloutChoiceFlags } from './rollout-choices.js';

/** The REST body of a rollout is the engine's view (one definition for server and CLI). */
export type { RolloutView } from '../../api/contract.js';
import type { RolloutView } from '../../api/contract.js';

function checkRollout(body: unknown): RolloutView {
  if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.steps))
    throw new UsageError('the control plane answered with something that is not a rollout');
  return body as unknown as RolloutView;
}

export interface RolloutStartFlags extends RolloutChoiceFlags {
  action: string;
  wait?: boolean;
}

/** `hactl rollout start CLUSTER`: POST /v1/clusters/{name}/rollouts. */
export async function runRolloutStart(
  ctx: CommandContext,
  cluster: string,
  flags: RolloutStartFlags,
): Promise<number> {
  const body = { action: flags.action, ...rolloutChoices(flags) };
  const r = checkRollout(await ctx.client.post(`/v1/clusters/${encodeURIComponent(cluster)}/rollouts`, body));
  // The steps in the order the engine takes them now (leader last on the members' current roles),
  // not `plan`, the order they were stored in: the start's first line is what the watch then shows.
  const order = r.steps.map((s) => `${escapeControl(s.host)} (${escapeControl(s.instance)})`);
  ctx.io.stdout(
    `rollout/${r.id} started: ${r.action} of ${escapeControl(r.cluster)} (revision ${r.revision})\norder: ${order.join(' → ') || '(nothing to restart)'}\n`,
  );
  if (flags.wait) return followRollout(ctx, r.id);
  return 0;
}

/** `hactl rollout pause|resume|abort ID`. */
export async function runRolloutVerb(
  ctx: CommandContext,
  id: string,
  verb: 'pause' | 'resume' | 'abort',
  flags: { forceRemoval?: boolean } = {},
): Promise<number> {
  const query = verb === 'resume' && flags.forceRemoval ? '?forceRemoval=true' : '';
  const r = checkRollout(await ctx.client.post(`/v1/rollouts/${encodeURIComponent(id)}/${verb}${query}`, {}));
  ctx.io.stdout(`rollout/${r.id} ${r.state}${r.reason ? `: ${escapeControl(r.reason)}` : ''}\n`);
  return 0;
}

/** `hactl rollout status ID|--cluster NAME [-w]`. */
export async function runRolloutStatus(
  ctx: CommandContext,
  id: string | undefined,
  flags: { cluster?: string; watch?: boolean; output: OutputFormat },
): Promise<number> {
  let rid = id;
  if (!rid) {
    if (!flags.cluster) throw new UsageError('give a rollout id or --cluster NAME');
    const list = await ctx.client.get(`/v1/clusters/${encodeURIComponent(flags.cluster)}/rollouts`);
    const first = isRecord(list) && Array.isArray(list.rollouts) ? list.rollouts[0] : undefined;
    // The state things are in, not a wrong command line: exit 1, as a 404 would.
    if (!first) throw new HactlError('not_found', `cluster ${flags.cluster} has no rollouts`);
    rid = checkRollout(first).id;
  }
  if (flags.watch) return followRollout(ctx, rid);
  const body = await ctx.client.get(`/v1/rollouts/${encodeURIComponent(rid)}`);
  if (flags.output === 'json' || flags.output === 'yaml') ctx.io.stdout(await renderRaw(body, flags.output));
  else ctx.io.stdout(renderRollout(checkRollout(body)));
  return 0;
}

const FINAL = new Set(['completed', 'aborted']);

/** Follows a rollout until it ends or pauses: redraws in a terminal, prints changes otherwise. */
export async function followRollout(ctx: CommandContext, id: string): Promise<number> {
  let last = '';
  for (;;) {
    const r = checkRollout(await ctx.client.get(`/v1/rollouts/${encodeURIComponent(id)}`));
    const text = renderRollout(r);
    if (text !== last) {
      ctx.io.stdout(ctx.io.isTty ? `\u001b[2J\u001b[H${text}` : `${text}\n`);
      last = text;
    }
    if (FINAL.has(r.state)) return r.state === 'completed' ? 0 : 1;
    if (r.state === 'paused') {
      ctx.io.stderr(`rollout/${r.id} is paused: ${escapeControl(r.reason)}\n`);
      return 1;
    }
    await ctx.io.sleep(1000);
  }
}

export function renderRollout(r: RolloutView): string {
  const done = r.steps.filter((s) => s.state === 'done').length;
  const total = r.steps.length;
  const width = 20;
  const filled = total ? Math.round((done / total) * width) : width;
  const lines = [
    `Rollout:  ${r.id} (${r.action} of ${escapeControl(r.cluster)}, revision ${r.revision})`,
    `State:    ${r.state}${r.reason ? ` — ${escapeControl(r.reason)}` : ''}`,
    `Progress: [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`,
    // startedAt: its first step's request (rollout/view.ts); before that it waits for its first gates.
    `Started:  ${r.startedAt ? escapeControl(r.startedAt) : FINAL.has(r.state) ? 'never (no step ran)' : 'not yet (its first step waits)'}`,
  ];
  // Between steps (the server sends it only then): what the rollout waits for.
  if (r.waiting) lines.push(`Waiting:  ${escapeControl(r.waiting)}`);
  if (r.current) {
    // The server says what the step does now (waiting for its lease, restarting, crash-looping…);
    // gates are listed only while the step waits for its lease.
    lines.push(`Current:  ${escapeControl(r.current.instance)}: ${escapeControl(r.current.waitingFor)}`);
    for (const g of r.current.gates)
      lines.push(
        `          ${g.ok ? 'ok  ' : 'WAIT'} ${g.gate}: ${escapeControl(g.reason.replace(/^waiting:\s*/, ''))}`,
      );
  }
  // A membership procedure says what each step does and in which phase.
  const membership = r.action === 'membership';
  const rows = r.steps.map((s) => [
    String(s.index + 1),
    ...(membership ? [String(s.phase), escapeControl(s.op)] : []),
    escapeControl(s.host),
    escapeControl(s.instance),
    s.state,
    s.elapsedMs === null ? '-' : `${(s.elapsedMs / 1000).toFixed(1)}s`,
    escapeControl(s.note) || '-',
  ]);
  const head = ['#', ...(membership ? ['PHASE', 'OP'] : []), 'HOST', 'INSTANCE', 'STATE', 'ELAPSED', 'NOTE'];
  // The server lists the steps in run order; # is the place in the plan, which that order may leave.
  lines.push(
    r.state === 'running' || r.state === 'paused'
      ? 'Steps (in run order, the pending ones as the engine would take them now; #: place in the plan):'
      : 'Steps (in run order; #: place in the plan):',
  );
  return `${lines.join('\n')}\n${renderTable(head, rows, { indent: '  ' })}`;
}
