import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK } from '../failure.js';
import { renderRaw, type OutputFormat } from '../output.js';
import { renderTable } from '../table.js';
import { escapeControl, formatBytes } from '../text.js';
import type { MemberFilesView } from '../../actions/views.js';
import type { CommandContext } from './context.js';
import { parseMemberArg } from './member.js';

/**
 * `hactl files CLUSTER/MEMBER`: the member's rendered files on its host (GET
 * /v1/clusters/{name}/members/{member}/files), a unified diff for each drifted one (desired → on
 * disk). Exits 1 when any file drifted, so scripts can check.
 */
export async function runFiles(
  ctx: CommandContext,
  arg: string,
  flags: { output: OutputFormat },
): Promise<number> {
  const m = parseMemberArg(arg);
  const body = await ctx.client.get(
    `/v1/clusters/${encodeURIComponent(m.cluster)}/members/${encodeURIComponent(m.member)}/files`,
  );
  if (!isRecord(body) || !Array.isArray(body.files) || typeof body.drift !== 'boolean')
    throw new UsageError('the control plane answered with something that is not a file list');
  const v = body as unknown as MemberFilesView;
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
    return v.drift ? EXIT_FAILED : EXIT_OK;
  }
  const rows = v.files.map((f) => [
    escapeControl(f.path),
    f.state === 'same' ? 'ok' : f.state.toUpperCase(),
    f.state === 'missing' ? '-' : formatBytes(f.size),
    f.sha256 ? f.sha256.slice(0, 12) : '-',
  ]);
  let out = `${escapeControl(v.instance)} on ${escapeControl(v.host)}: ${v.drift ? 'DRIFT from the desired state' : 'no drift'}\n`;
  out += renderTable(['PATH', 'STATE', 'SIZE', 'SHA256'], rows);
  for (const f of v.files) {
    if (f.diff.length) out += `\n${f.diff.map((l) => escapeControl(l)).join('\n')}\n`;
    else if (f.note && f.state !== 'same') out += `\n${escapeControl(f.path)}: ${escapeControl(f.note)}\n`;
  }
  ctx.io.stdout(out);
  return v.drift ? EXIT_FAILED : EXIT_OK;
}
