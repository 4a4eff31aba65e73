import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { renderRaw, type OutputFormat } from '../output.js';
import { renderTable } from '../table.js';
import { escapeControl } from '../text.js';
import type { HostStatusView } from '../../actions/views.js';
import type { CommandContext } from './context.js';

/** Seconds as `3d4h`, `2h5m`, `4m10s`, `12s`. */
export function formatUptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  if (d) return `${d}d${h}h`;
  if (h) return `${h}h${m}m`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * `hactl status HOST`: the host's instances with their processes, pids, uptimes and last probes
 * (GET /v1/hosts/{host}/status), as the host's agent answers them now.
 */
export async function runHostStatus(
  ctx: CommandContext,
  host: string,
  flags: { output: OutputFormat },
): Promise<number> {
  const body = await ctx.client.get(`/v1/hosts/${encodeURIComponent(host)}/status`);
  if (!isRecord(body) || !Array.isArray(body.processes))
    throw new UsageError('the control plane answered with something that is not a host status');
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
    return EXIT_OK;
  }
  const v = body as unknown as HostStatusView;
  const head = `Host:  ${escapeControl(v.host)} (${escapeControl(v.address)}), agent ${v.connected ? 'connected' : 'NOT CONNECTED'}${v.lastSeen ? `, last seen ${v.lastSeen}` : ''}\n`;
  const note = v.note ? `Note:  ${escapeControl(v.note)}\n` : '';
  const rows = v.processes.map((p) => [
    escapeControl(p.instance),
    escapeControl(p.runState),
    escapeControl(p.state),
    p.pid ? String(p.pid) : '-',
    p.uptimeSec === null ? '-' : formatUptime(p.uptimeSec),
    String(p.restarts),
    p.lastProbe ?? '-',
    escapeControl(p.reason || p.probe) || '-',
  ]);
  ctx.io.stdout(
    head +
      note +
      renderTable(
        ['INSTANCE', 'DESIRED', 'PROCESS', 'PID', 'UPTIME', 'RESTARTS', 'LAST PROBE', 'DETAIL'],
        rows,
      ),
  );
  return EXIT_OK;
}
