import { clusterOfInstance, memberOfInstance } from '@hactl/shared/instance-id';
import type { GateResult } from '@hactl/shared';
import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { escapeControl } from '../text.js';
import type { MemberRestartView, MemberRunStateView } from '../../actions/views.js';
import type { CommandContext } from './context.js';
import { followRollout } from './rollout.js';

/**
 * `hactl restart|stop|start CLUSTER/MEMBER`: the named member actions (POST
 * /v1/clusters/{name}/members/{member}/{restart|stop|start}).
 */

const CLUSTER_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MEMBER_RE = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * `cluster/member` → its parts (shared instance-id helpers). Throws UsageError naming what is wrong.
 */
export function parseMemberArg(arg: string): { cluster: string; member: string } {
  const cluster = clusterOfInstance(arg);
  const member = memberOfInstance(arg);
  if (!arg.includes('/') || !member)
    throw new UsageError(`MEMBER must be CLUSTER/MEMBER (e.g. zk-main/zk-1), not ${JSON.stringify(arg)}`);
  if (!CLUSTER_RE.test(cluster))
    throw new UsageError(
      `${JSON.stringify(cluster)} is not a cluster name (lowercase letters, digits and "-")`,
    );
  if (!MEMBER_RE.test(member) || member === '.' || member === '..')
    throw new UsageError(
      `${JSON.stringify(member)} is not a member name (letters, digits, ".", "_" and "-")`,
    );
  return { cluster, member };
}

function path(m: { cluster: string; member: string }, verb: string): string {
  return `/v1/clusters/${encodeURIComponent(m.cluster)}/members/${encodeURIComponent(m.member)}/${verb}`;
}

function gateLines(gates: readonly GateResult[]): string {
  return gates
    .map(
      (g) =>
        `  ${g.ok ? 'ok  ' : 'WAIT'} ${g.gate}: ${escapeControl(g.reason.replace(/^waiting:\s*/, ''))}\n`,
    )
    .join('');
}

/** `hactl restart CLUSTER/MEMBER [--reason TEXT] [--wait]`: a one-step restart rollout through the lease gates. */
export async function runMemberRestart(
  ctx: CommandContext,
  arg: string,
  flags: { reason?: string; wait?: boolean },
): Promise<number> {
  const m = parseMemberArg(arg);
  const body = await ctx.client.post(path(m, 'restart'), flags.reason ? { reason: flags.reason } : {});
  if (!isRecord(body) || !isRecord(body.rollout) || !Array.isArray(body.gates))
    throw new UsageError('the control plane answered with something that is not a restart');
  const v = body as unknown as MemberRestartView;
  ctx.io.stdout(
    `restart of ${escapeControl(v.instance)}: rollout/${v.rollout.id}; it restarts once its agent holds the restart lease, which needs every gate:\n${gateLines(v.gates)}`,
  );
  if (flags.wait) return followRollout(ctx, v.rollout.id);
  ctx.io.stdout(`follow it with: hactl rollout status ${v.rollout.id} --watch\n`);
  return EXIT_OK;
}

/** `hactl stop CLUSTER/MEMBER [--force --reason TEXT] [--wait]`. */
export async function runMemberStop(
  ctx: CommandContext,
  arg: string,
  flags: { reason?: string; force?: boolean; wait?: boolean },
): Promise<number> {
  const m = parseMemberArg(arg);
  if (flags.force && !flags.reason?.trim())
    throw new UsageError('--force needs --reason TEXT: say why the stop gates are overridden');
  const req: Record<string, unknown> = {};
  if (flags.reason) req.reason = flags.reason;
  if (flags.force) req.force = true;
  const v = checkRunState(await ctx.client.post(path(m, 'stop'), req));
  ctx.io.stdout(
    `${escapeControl(v.instance)}: ${v.state} — ${escapeControl(v.message)}\n${gateLines(v.gates)}`,
  );
  if (flags.wait && v.rollout) return followRollout(ctx, v.rollout.id);
  return EXIT_OK;
}

/** `hactl start CLUSTER/MEMBER [--reason TEXT]`. */
export async function runMemberStart(
  ctx: CommandContext,
  arg: string,
  flags: { reason?: string },
): Promise<number> {
  const m = parseMemberArg(arg);
  const v = checkRunState(
    await ctx.client.post(path(m, 'start'), flags.reason ? { reason: flags.reason } : {}),
  );
  ctx.io.stdout(`${escapeControl(v.instance)}: ${v.state} — ${escapeControl(v.message)}\n`);
  return EXIT_OK;
}

function checkRunState(body: unknown): MemberRunStateView {
  if (!isRecord(body) || typeof body.instance !== 'string' || typeof body.state !== 'string')
    throw new UsageError('the control plane answered with something that is not a member state');
  return body as unknown as MemberRunStateView;
}
