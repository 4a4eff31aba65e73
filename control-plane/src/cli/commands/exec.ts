import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK } from '../failure.js';
import { PrefixLines } from '../prefix-lines.js';
import { renderTable } from '../table.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';
import type { HostOutcome } from '../../commands/output.js';

export interface ExecFlags {
  cluster?: string;
  role?: string;
  label: string[];
  parallel?: string;
  timeout?: string;
  shell?: boolean;
}

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
/** How long Ctrl-C waits for the hosts to report their cancelled commands. */
const CANCEL_WAIT_MS = 5000;

/** One row of the summary: each host's outcome as `GET /v1/commands/{id}` shows it. */
type HostSummary = HostOutcome;

/**
 * The request body for `hactl exec`, from the words before `--` (at most one: a host, or a member
 * as CLUSTER/MEMBER), the selector flags and the command after `--`. Pure.
 * @throws UsageError naming what is wrong.
 */
export function planExecRequest(
  targetWords: string[],
  command: string[],
  f: ExecFlags,
): Record<string, unknown> {
  if (command.length === 0)
    throw new UsageError('name the command after --, e.g. hactl exec kafka1 -- df -h /');
  if (targetWords.length > 1)
    throw new UsageError(
      `one TARGET before -- (a host or CLUSTER/MEMBER), got ${targetWords.length}: ${targetWords.join(' ')}; put the command after --`,
    );
  const target: Record<string, unknown> = {};
  const [t] = targetWords;
  if (t !== undefined) target[t.includes('/') ? 'members' : 'hosts'] = [t];
  if (f.cluster !== undefined) target.cluster = f.cluster;
  if (f.role !== undefined) {
    if (f.cluster === undefined) throw new UsageError('--role needs --cluster');
    target.role = f.role;
  }
  if (f.label.length) {
    const labels: Record<string, string> = {};
    for (const l of f.label) {
      const m = /^([^=]+)=(.*)$/.exec(l);
      if (!m) throw new UsageError(`--label ${JSON.stringify(l)} is not KEY=VALUE`);
      labels[m[1]!] = m[2]!;
    }
    target.labels = labels;
  }
  if (Object.keys(target).length === 0)
    throw new UsageError('name a TARGET (host or CLUSTER/MEMBER), --cluster NAME or --label K=V');
  const body: Record<string, unknown> = { target, argv: command, shell: f.shell === true };
  if (f.parallel !== undefined) {
    if (!/^[0-9]{1,4}$/.test(f.parallel) || Number(f.parallel) < 1)
      throw new UsageError('--parallel must be a number from 1 to 1000');
    body.parallel = Number(f.parallel);
  }
  if (f.timeout !== undefined) {
    const sec = durationSeconds(f.timeout);
    if (sec === undefined) throw new UsageError('--timeout must be a duration such as 30s, 5m or 1h');
    body.timeoutSec = sec;
  }
  return body;
}

/** `90s`, `5m`, `1h`, `1h30m` or bare seconds, in whole seconds (at least 1); undefined otherwise. */
export function durationSeconds(text: string): number | undefined {
  if (/^[0-9]{1,6}$/.test(text)) return Number(text) || undefined;
  if (!/^([0-9]{1,6}[smhd])+$/.test(text)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  let s = 0;
  for (const m of text.matchAll(/([0-9]+)([smhd])/g)) s += Number(m[1]) * unit[m[2]!]!;
  return s || undefined;
}

/**
 * `hactl exec TARGET -- CMD [ARGS…]`: starts the command (POST /v1/commands), prints its output
 * as it arrives with a `host | ` prefix (stdout to stdout, stderr to stderr), then a table of each
 * host's outcome on stderr. Exit 0 when every host exited 0, 1 otherwise; Ctrl-C cancels the
 * remote command, waits briefly for the hosts to confirm, and exits 130.
 */
export async function runExec(
  ctx: CommandContext,
  targetWords: string[],
  command: string[],
  flags: ExecFlags,
): Promise<number> {
  const body = planExecRequest(targetWords, command, flags);
  const started = await ctx.client.post('/v1/commands', body);
  if (!isRecord(started) || typeof started.id !== 'string' || !Array.isArray(started.hosts))
    throw new UsageError('the control plane answered with something that is not a command');
  const id = started.id;
  const hosts = (started.hosts as unknown[]).filter(isRecord).map((h) => String(h.host));
  const prefix = new PrefixLines(hosts);
  // The id first: `GET /v1/commands/ID` shows it later, and another terminal can cancel it.
  ctx.io.stderr(`command ${id} on ${hosts.map((h) => escapeControl(h)).join(', ')}\n`);
  const stream = await ctx.client.stream(`/v1/commands/${encodeURIComponent(id)}/output`);
  let interrupted = false;
  let giveUp: NodeJS.Timeout | undefined;
  const stopInterrupt = ctx.io.onInterrupt?.(() => {
    if (interrupted) return stream.close();
    interrupted = true;
    ctx.io.stderr(`\ncancelling command ${id} (Ctrl-C again to stop waiting)\n`);
    void ctx.client.post(`/v1/commands/${encodeURIComponent(id)}/cancel`, {}).catch((err: unknown) => {
      ctx.io.stderr(`cannot cancel command ${id}: ${err instanceof Error ? err.message : String(err)}\n`);
      stream.close();
    });
    giveUp = setTimeout(() => stream.close(), CANCEL_WAIT_MS);
  });
  try {
    for await (const ev of stream.events) {
      if (!isRecord(ev)) continue;
      const host = String(ev.host ?? '');
      if (ev.type === 'output' && typeof ev.data === 'string') {
        const text = prefix.feed(host, String(ev.stream), ev.data);
        if (ev.stream === 'stderr') ctx.io.stderr(text);
        else ctx.io.stdout(text);
      } else if (ev.type === 'exit') {
        ctx.io.stdout(prefix.flush(host, 'stdout'));
        ctx.io.stderr(prefix.flush(host, 'stderr'));
      } else if (ev.type === 'dropped') {
        ctx.io.stderr(`(earlier output of command ${id} is no longer kept by the control plane)\n`);
      } else if (ev.type === 'end') break;
    }
  } catch (err) {
    // A stream closed by a second Ctrl-C or the cancel wait ends here; anything else is a failure.
    if (!interrupted) throw err;
  } finally {
    clearTimeout(giveUp);
    stopInterrupt?.();
    stream.close();
  }
  const view = await ctx.client.get(`/v1/commands/${encodeURIComponent(id)}`);
  const summary =
    isRecord(view) && Array.isArray(view.hosts)
      ? (view.hosts.filter(isRecord) as unknown as HostSummary[])
      : [];
  ctx.io.stderr(renderSummary(summary));
  if (interrupted) return EXIT_INTERRUPTED;
  return summary.length > 0 && summary.every((h) => h.state === 'exited' && h.exitCode === 0)
    ? EXIT_OK
    : EXIT_FAILED;
}

/** The per-host outcome table. Pure. */
export function renderSummary(hosts: readonly HostSummary[]): string {
  return (
    '\n' +
    renderTable(
      ['host', 'state', 'exit', 'duration', 'error'],
      hosts.map((h) => [
        h.host,
        h.state,
        h.exitCode !== null ? String(h.exitCode) : h.signal || '-',
        h.durationMs === null ? '-' : `${(h.durationMs / 1000).toFixed(1)}s`,
        escapeControl(h.error),
      ]),
    )
  );
}
