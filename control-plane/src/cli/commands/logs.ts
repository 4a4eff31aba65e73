import { clusterOfInstance, memberOfInstance } from '@hactl/shared/instance-id';
import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { EXIT_INTERRUPTED } from './exec.js';
import { escapeControl, escapeLogLine } from '../text.js';
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
    .map((l) => escapeLogLine(l))
    .join('\n');
  if (text === '')
    // A member that never ran (a standby nimbus) has no log yet: say so rather than print nothing.
    ctx.io.stderr('(no lines: the file is empty, or the member has not written it yet)\n');
  else ctx.io.stdout(`${text}\n`);
  return EXIT_OK;
}

export interface LogsFlags {
  out?: boolean;
  lines: string;
  follow?: boolean;
  tail?: string;
  since?: string;
}

/**
 * `hactl logs CLUSTER/MEMBER` (or `CLUSTER MEMBER`) with its flags: the last lines, or with `-f`
 * the log followed until Ctrl-C.
 */
export async function runLogsCommand(
  ctx: CommandContext,
  first: string,
  second: string | undefined,
  flags: LogsFlags,
): Promise<number> {
  let cluster = first;
  let member = second;
  if (member === undefined) {
    if (!first.includes('/'))
      throw new UsageError('name the member as CLUSTER/MEMBER, e.g. hactl logs kafka-main/kafka-2');
    cluster = clusterOfInstance(first);
    member = memberOfInstance(first);
  }
  if (!flags.follow) {
    if (flags.since !== undefined)
      throw new UsageError('--since goes with -f (it picks where following starts)');
    // --tail N without -f means what -n N means: the last N lines (a trap otherwise).
    return runLogs(ctx, cluster, member, flags.tail !== undefined ? { ...flags, lines: flags.tail } : flags);
  }
  return followLogs(ctx, cluster, member, flags);
}

/**
 * `hactl logs -f`: the last `--tail` lines (of those stamped within `--since`), then every line as
 * the service writes it, across rotation (the agent reopens a renamed or truncated file). Runs
 * until Ctrl-C (exit 130) or until the member's agent goes away (exit 1).
 */
async function followLogs(
  ctx: CommandContext,
  cluster: string,
  member: string,
  flags: LogsFlags,
): Promise<number> {
  const tail = flags.tail ?? '10';
  if (!/^[0-9]{1,4}$/.test(tail) || Number(tail) > 5000)
    throw new UsageError('--tail must be a number from 0 to 5000');
  const q = new URLSearchParams({ file: flags.out ? 'out' : 'service', tail });
  if (flags.since !== undefined) q.set('since', flags.since);
  const stream = await ctx.client.stream(
    `/v1/clusters/${encodeURIComponent(cluster)}/members/${encodeURIComponent(member)}/logs/follow?${q}`,
  );
  ctx.io.stderr(
    `==> ${escapeControl(stream.headers['x-hactl-host'] ?? '?')}: following ${escapeControl(stream.headers['x-hactl-instance'] ?? member)} (Ctrl-C to stop) <==\n`,
  );
  let interrupted = false;
  const stop = ctx.io.onInterrupt?.(() => {
    interrupted = true;
    stream.close();
  });
  let partial = '';
  try {
    for await (const ev of stream.events) {
      if (!isRecord(ev)) continue;
      if (ev.type === 'output' && typeof ev.data === 'string') {
        const text = partial + ev.data;
        const cut = text.lastIndexOf('\n');
        partial = text.slice(cut + 1);
        if (cut >= 0)
          ctx.io.stdout(
            text
              .slice(0, cut)
              .split('\n')
              .map((l) => `${escapeLogLine(l)}\n`)
              .join(''),
          );
      } else if (ev.type === 'exit' && typeof ev.error === 'string' && ev.error) {
        ctx.io.stderr(`hactl: ${escapeControl(ev.error)}\n`);
      } else if (ev.type === 'end') {
        if (ev.state === 'lost') ctx.io.stderr('hactl: the agent disconnected; the follow ended\n');
        break;
      }
    }
  } catch (err) {
    if (!interrupted) throw err;
  } finally {
    stop?.();
    stream.close();
  }
  if (partial) ctx.io.stdout(`${escapeControl(partial)}\n`);
  return interrupted ? EXIT_INTERRUPTED : 1;
}
