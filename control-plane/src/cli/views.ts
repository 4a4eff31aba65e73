/**
 * Pure renderers for `get` and `describe`: response data + the current time in, text out.
 * Rows are sorted by name so output is stable whatever order the server lists them in.
 */
import {
  isRecord,
  type ClusterDetail,
  type ClusterSummary,
  type HostView,
  type MemberFailure,
  type MemberStatus,
} from './api-types.js';
import { renderTable, type Tone } from './table.js';
import { cell, escapeControl, formatAge, formatBytes } from './text.js';

export interface ViewOptions {
  now: number;
  wide?: boolean;
  color?: boolean;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const GOOD = new Set(['true', 'healthy', 'running', 'leader', 'follower', 'standalone']);
const WARN = new Set(['pending', 'degraded', 'starting', 'unknown']);
const BAD = new Set(['false', 'down', 'crashed', 'stopped']);

/** Tones for status-like columns only; names and ids are never coloured. */
function statusTone(header: string, value: string): Tone | undefined {
  if (!['CONNECTED', 'HEALTH', 'PROCESS'].includes(header)) return undefined;
  if (GOOD.has(value)) return 'good';
  if (WARN.has(value)) return 'warn';
  if (BAD.has(value)) return 'bad';
  return undefined;
}

export function renderHosts(hosts: readonly HostView[], o: ViewOptions): string {
  const headers = ['name', 'address', 'connected', 'last-seen', 'gen', 'instances'];
  if (o.wide) headers.push('id', 'os', 'cpus', 'memory', 'agent', 'java');
  const rows = [...hosts].sort(byName).map((h) => {
    const row = [
      cell(h.name),
      cell(h.address),
      cell(h.connected),
      formatAge(h.lastSeen, o.now),
      `${cell(h.appliedGeneration)}/${cell(h.generation)}`,
      cell(h.instances),
    ];
    if (o.wide) {
      const f = h.facts ?? {};
      const mem = typeof f.memoryBytes === 'number' ? formatBytes(f.memoryBytes) : '-';
      row.push(
        cell(h.id),
        cell(f.os),
        cell(f.cpus),
        mem,
        cell(h.agentVersion ?? f.agentVersion),
        cell(f.java),
      );
    }
    return row;
  });
  // An agent that did not apply its state says why (a refused control plane, an apply that failed):
  // under the table, since the reason is a sentence.
  const errors = [...hosts]
    .sort(byName)
    .filter((h) => h.applyError)
    .map((h) => `${escapeControl(h.name)}: ${escapeControl(h.applyError!)}\n`);
  return (
    renderTable(headers, rows, { color: o.color ?? false, tone: statusTone }) +
    (errors.length ? `\n${errors.join('')}` : '')
  );
}

/**
 * The clusters table, with each cluster's running or paused rollout (`-` when none: a paused one
 * waits for the operator, whatever the health says); `-o wide` adds why each cluster is in its
 * state. The hints are apart (`clusterHints`).
 */
export function renderClusters(clusters: readonly ClusterSummary[], o: ViewOptions): string {
  const headers = ['name', 'kind', 'revision', 'health', 'ready', 'rollout', 'updated'];
  if (o.wide) headers.push('reason');
  const sorted = [...clusters].sort(byName);
  const rows = sorted.map((c) => {
    const row = [
      cell(c.name),
      cell(c.kind),
      cell(c.revision),
      cell(c.health),
      `${cell(c.ready)}/${cell(c.members)}`,
      c.rollout ? escapeControl(`${cell(c.rollout.id)} ${cell(c.rollout.state)}`) : '-',
      formatAge(c.updatedAt, o.now),
    ];
    if (o.wide) row.push(escapeControl(cell(c.reason)));
    return row;
  });
  return renderTable(headers, rows, { color: o.color ?? false, tone: statusTone });
}

/**
 * What to run about each cluster's state (e.g. members left restart pending), a `hint:` line per
 * cluster that has one, in name order: `get clusters` writes them to stderr, so the table on
 * stdout stays rows only for scripts (`| tail -1` read a hint).
 */
export function clusterHints(clusters: readonly ClusterSummary[]): string {
  return [...clusters]
    .sort(byName)
    .filter((c) => c.hint)
    .map((c) => `hint: ${escapeControl(c.name)}: ${escapeControl(c.hint!)}\n`)
    .join('');
}

/** Member keys shown in their own columns; any other key the server adds goes to -o wide. */
const KNOWN_MEMBER_KEYS = new Set([
  'host',
  'id',
  'address',
  'port',
  'role',
  'mode',
  'process',
  'lastProbe',
  'detail',
  'logs',
  'failure',
]);

/** `lastProbe` → `LAST-PROBE`. */
function headerFor(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toUpperCase();
}

function roleMode(m: MemberStatus): string {
  return m.role ? `${m.role}/${cell(m.mode)}` : cell(m.mode);
}

function endpoint(m: MemberStatus): string {
  if (m.address === undefined && m.port === undefined) return '-';
  return `${m.address ?? ''}${m.port === undefined ? '' : `:${m.port}`}`;
}

export function renderClusterDetail(c: ClusterDetail, o: ViewOptions): string {
  const fields: [string, string][] = [
    ['Name', cell(c.name)],
    ['Kind', cell(c.kind)],
    ['Revision', cell(c.revision)],
    ['Health', cell(c.status.health)],
  ];
  if (c.status.reason) fields.push(['Reason', c.status.reason]);
  if (c.status.hint) fields.push(['Hint', c.status.hint]);
  const pad = Math.max(...fields.map(([k]) => k.length)) + 3;
  let out = fields.map(([k, v]) => `${`${k}:`.padEnd(pad)}${escapeControl(v)}`).join('\n') + '\n';

  const members = c.status.members;
  if (members.length === 0) return out + 'Members:  <none>\n';

  const extraKeys = o.wide
    ? [...new Set(members.flatMap((m) => Object.keys(m)))].filter((k) => !KNOWN_MEMBER_KEYS.has(k)).sort()
    : [];
  const headers = ['host', 'id', 'role/mode', 'process', 'last-probe', 'detail'];
  if (o.wide) headers.splice(2, 0, 'address');
  headers.push(...extraKeys.map(headerFor));
  const rows = members.map((m) => {
    const row = [
      cell(m.host),
      cell(m.id),
      roleMode(m),
      cell(m.process),
      // A member not running has no probe to show (its agent drops the last one when the process
      // stops): '-', not 'never', which read as never probed.
      m.lastProbe === null && m.process !== 'running' ? '-' : formatAge(m.lastProbe, o.now),
      cell(m.detail),
    ];
    if (o.wide) row.splice(2, 0, endpoint(m));
    row.push(...extraKeys.map((k) => cell(m[k])));
    return row;
  });
  out += 'Members:\n';
  out += renderTable(headers, rows, { color: o.color ?? false, tone: statusTone, indent: '  ' });
  // Where each member logs (its own log first): the cause of a crash or a failed election is there.
  const logs = members.filter((m) => Array.isArray(m.logs) && m.logs.length > 0);
  if (logs.length) {
    out += 'Logs:\n';
    for (const m of logs)
      out += `  ${escapeControl(cell(m.host))}: ${(m.logs as unknown[]).map((f) => escapeControl(String(f))).join(', ')}\n`;
  }
  const failed = members.filter((m) => isRecord(m.failure));
  if (failed.length) out += 'Failures:\n' + failed.map(renderFailure).join('');
  return out;
}

/**
 * A member that is down after an unexpected exit, or only just back from one: how it exited and the end of its log, indented,
 * every field escaped (the lines come from a service's log).
 */
function renderFailure(m: MemberStatus): string {
  const f = m.failure as Partial<MemberFailure>;
  const how =
    typeof f.exitCode === 'number' ? `exit code ${f.exitCode}` : `killed by ${cell(f.signal ?? 'a signal')}`;
  const lines = Array.isArray(f.logTail) ? f.logTail.map((l) => escapeControl(String(l))) : [];
  // No log file: the lines are the output of a command that failed before the service ran.
  const source = f.logFile ? escapeControl(String(f.logFile)) : 'its output';
  const from = lines.length ? `; last ${lines.length} lines of ${source}:` : '';
  return (
    `  ${escapeControl(cell(m.host))} (${escapeControl(cell(m.instance))}): ${how} at ${cell(f.exitedAt)}${from}\n` +
    lines.map((l) => `    ${l}\n`).join('')
  );
}
