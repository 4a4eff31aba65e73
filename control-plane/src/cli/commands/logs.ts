import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';

/**
 * `hactl logs CLUSTER MEMBER [--out] [-n N]`: the last lines of a member's log, read by its agent.
 * By default the service's own log (ZooKeeper: `<member>/logs/zookeeper.log`, rolled by the
 * service); `--out` the captured stdout/stderr (`*.out`, start-up output and JVM errors). The log
 * lines go to stdout, the file they come from to stderr, so the output can be piped.
 */
export async function runLogs(
  ctx: CommandContext,
  cluster: string,
  member: string,
  flags: { out?: boolean; lines: string },
): Promise<number> {
  if (!/^[0-9]{1,4}$/.test(flags.lines) || Number(flags.lines) < 1)
    throw new UsageError('--lines must be a number from 1 to 5000');
  const q = new URLSearchParams({ file: flags.out ? 'out' : 'service', lines: flags.lines });
  const body = await ctx.client.get(
    `/v1/clusters/${encodeURIComponent(cluster)}/members/${encodeURIComponent(member)}/logs?${q}`,
  );
  if (!isRecord(body) || typeof body.text !== 'string')
    throw new UsageError('the control plane answered with something that is not a log');
  ctx.io.stderr(
    `==> ${escapeControl(String(body.host))}:${escapeControl(String(body.file))} (${escapeControl(String(body.instance))}) <==\n`,
  );
  // Log text is shown as the service wrote it, except for control characters (terminal escapes).
  const text = body.text
    .split('\n')
    .map((l) => escapeControl(l))
    .join('\n');
  ctx.io.stdout(text === '' ? '' : `${text}\n`);
  return EXIT_OK;
}
