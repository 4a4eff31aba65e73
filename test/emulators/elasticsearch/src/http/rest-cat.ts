import { computeHealth, indexStatus } from '../health.js';
import type { NodeContext } from '../node-context.js';
import { roleAbbreviations } from '../roles.js';
import { ES_VERSION } from '../version.js';
import { renderCat, type CatColumn, type CatRow } from './cat.js';
import { indexNotFound } from './errors.js';
import type { RestRequest, RestResult } from './router.js';

function catResult(req: RestRequest, columns: CatColumn[], rows: CatRow[]): RestResult {
  const out = renderCat(columns, rows, req.query, req.negotiated.acceptsJson);
  return { status: 200, body: out.body };
}

const pct = (used: number, total: number): string => (total > 0 ? String(Math.round((used * 100) / total)) : '0');
const load = (v: number | undefined): string | null => (v === undefined ? null : v.toFixed(2));

function bytes(n: number | null | undefined): string | null {
  if (n === null || n === undefined) return null;
  const units = ['b', 'kb', 'mb', 'gb', 'tb'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}b` : `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i]}`;
}

function uptime(ms: number): string {
  if (ms >= 86_400_000) return `${(ms / 86_400_000).toFixed(1)}d`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)}m`;
  return `${(ms / 1000).toFixed(1)}s`;
}

const NODE_COLUMNS: CatColumn[] = [
  { name: 'id', aliases: ['id', 'nodeId'], hidden: true },
  { name: 'pid', aliases: ['p'], hidden: true },
  { name: 'ip', aliases: ['i'] },
  { name: 'port', aliases: ['po'], hidden: true },
  { name: 'http_address', aliases: ['http'], hidden: true },
  { name: 'version', aliases: ['v'], hidden: true },
  { name: 'flavor', aliases: ['f'], hidden: true },
  { name: 'type', aliases: ['t'], hidden: true },
  { name: 'build', aliases: ['b'], hidden: true },
  { name: 'jdk', aliases: ['j'], hidden: true },
  { name: 'disk.total', aliases: ['dt', 'diskTotal'], hidden: true, right: true },
  { name: 'disk.used', aliases: ['du', 'diskUsed'], hidden: true, right: true },
  { name: 'disk.avail', aliases: ['d', 'da', 'disk', 'diskAvail'], hidden: true, right: true },
  { name: 'disk.used_percent', aliases: ['dup', 'diskUsedPercent'], hidden: true, right: true },
  { name: 'heap.current', aliases: ['hc', 'heapCurrent'], hidden: true, right: true },
  { name: 'heap.percent', aliases: ['hp', 'heapPercent'], right: true },
  { name: 'heap.max', aliases: ['hm', 'heapMax'], hidden: true, right: true },
  { name: 'ram.current', aliases: ['rc', 'ramCurrent'], hidden: true, right: true },
  { name: 'ram.percent', aliases: ['rp', 'ramPercent'], right: true },
  { name: 'ram.max', aliases: ['rm', 'ramMax'], hidden: true, right: true },
  { name: 'file_desc.current', aliases: ['fdc', 'fileDescriptorCurrent'], hidden: true, right: true },
  { name: 'file_desc.percent', aliases: ['fdp', 'fileDescriptorPercent'], hidden: true, right: true },
  { name: 'file_desc.max', aliases: ['fdm', 'fileDescriptorMax'], hidden: true, right: true },
  { name: 'cpu', aliases: ['cpu'], right: true },
  { name: 'load_1m', aliases: ['l'], right: true },
  { name: 'load_5m', aliases: ['l'], right: true },
  { name: 'load_15m', aliases: ['l'], right: true },
  { name: 'uptime', aliases: ['u'], hidden: true, right: true },
  { name: 'node.role', aliases: ['r', 'role', 'nodeRole'] },
  { name: 'master', aliases: ['m'] },
  { name: 'name', aliases: ['n'] },
];

/** `_cat/nodes` (service-facts 4.5): every value a string or null, `master` `*` for the elected master. */
export async function catNodes(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const s = ctx.coordinator.applied;
  const fullId = req.query.get('full_id') === 'true';
  const nodes = Object.values(s.nodes);
  const stats = await Promise.all(nodes.map((n) => ctx.statsOf(n)));
  const rows: CatRow[] = nodes.map((n, i) => {
    const st = stats[i];
    const port = n.transportAddress.slice(n.transportAddress.lastIndexOf(':') + 1);
    return {
      id: fullId ? n.id : n.id.slice(0, 4),
      pid: String(n.pid),
      ip: n.ip,
      port,
      http_address: n.httpAddress,
      version: n.version,
      flavor: ES_VERSION.build_flavor,
      type: ES_VERSION.build_type,
      build: ES_VERSION.build_hash.slice(0, 7),
      jdk: '23',
      'disk.total': bytes(st?.diskTotalBytes),
      'disk.used': st?.diskTotalBytes != null && st.diskAvailBytes != null ? bytes(st.diskTotalBytes - st.diskAvailBytes) : null,
      'disk.avail': bytes(st?.diskAvailBytes),
      'disk.used_percent':
        st?.diskTotalBytes != null && st.diskAvailBytes != null ? (((st.diskTotalBytes - st.diskAvailBytes) * 100) / st.diskTotalBytes).toFixed(2) : null,
      'heap.current': bytes(st?.heapUsedBytes),
      'heap.percent': st ? pct(st.heapUsedBytes, st.heapMaxBytes) : null,
      'heap.max': bytes(st?.heapMaxBytes ?? n.facts.heapMaxBytes),
      'ram.current': bytes(st?.ramUsedBytes),
      'ram.percent': st ? pct(st.ramUsedBytes, st.ramTotalBytes) : null,
      'ram.max': bytes(st?.ramTotalBytes ?? n.facts.totalMemBytes),
      'file_desc.current': st?.fdCurrent != null ? String(st.fdCurrent) : null,
      'file_desc.percent': st?.fdCurrent != null && st.fdMax ? pct(st.fdCurrent, st.fdMax) : null,
      'file_desc.max': st?.fdMax != null ? String(st.fdMax) : null,
      cpu: st ? String(Math.round(st.cpuPercent)) : null,
      load_1m: load(st?.load?.[0]),
      load_5m: load(st?.load?.[1]),
      load_15m: load(st?.load?.[2]),
      uptime: st ? uptime(st.uptimeMs) : null,
      'node.role': roleAbbreviations(n.roles),
      master: n.id === s.masterNodeId ? '*' : '-',
      name: n.name,
    };
  });
  return catResult(req, NODE_COLUMNS, rows);
}

const HEALTH_COLUMNS: CatColumn[] = [
  { name: 'epoch', aliases: ['t', 'time'], right: true },
  { name: 'timestamp', aliases: ['ts', 'hms', 'hhmmss'] },
  { name: 'cluster', aliases: ['cl'] },
  { name: 'status', aliases: ['st'] },
  { name: 'node.total', aliases: ['nt', 'nodeTotal'], right: true },
  { name: 'node.data', aliases: ['nd', 'nodeData'], right: true },
  { name: 'shards', aliases: ['t', 'sh', 'shards.total', 'shardsTotal'], right: true },
  { name: 'pri', aliases: ['p', 'shards.primary', 'shardsPrimary'], right: true },
  { name: 'relo', aliases: ['r', 'shards.relocating', 'shardsRelocating'], right: true },
  { name: 'init', aliases: ['i', 'shards.initializing', 'shardsInitializing'], right: true },
  { name: 'unassign', aliases: ['u', 'shards.unassigned', 'shardsUnassigned'], right: true },
  { name: 'pending_tasks', aliases: ['pt', 'pendingTasks'], right: true },
  { name: 'max_task_wait_time', aliases: ['mtwt', 'maxTaskWaitTime'], right: true },
  { name: 'active_shards_percent', aliases: ['asp', 'activeShardsPercent'], right: true },
];

/** `_cat/health` (RestHealthAction); `ts=false` drops epoch/timestamp. */
export function catHealth(req: RestRequest, ctx: NodeContext): RestResult {
  const h = computeHealth(ctx.coordinator.applied);
  const now = new Date(ctx.now());
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const row: CatRow = {
    epoch: String(Math.floor(now.getTime() / 1000)),
    timestamp: `${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())}`,
    cluster: h.cluster_name,
    status: h.status,
    'node.total': String(h.number_of_nodes),
    'node.data': String(h.number_of_data_nodes),
    shards: String(h.active_shards),
    pri: String(h.active_primary_shards),
    relo: String(h.relocating_shards),
    init: String(h.initializing_shards),
    unassign: String(h.unassigned_shards),
    pending_tasks: String(h.number_of_pending_tasks),
    max_task_wait_time: '-',
    active_shards_percent: `${h.active_shards_percent_as_number.toFixed(1)}%`,
  };
  const cols = req.query.get('ts') === 'false' ? HEALTH_COLUMNS.filter((c) => c.name !== 'epoch' && c.name !== 'timestamp') : HEALTH_COLUMNS;
  return catResult(req, cols, [row]);
}

export function catMaster(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const m = s.masterNodeId ? s.nodes[s.masterNodeId] : undefined;
  const rows: CatRow[] = m ? [{ id: m.id, host: m.host, ip: m.ip, node: m.name }] : [];
  return catResult(req, [{ name: 'id' }, { name: 'host', aliases: ['h'] }, { name: 'ip' }, { name: 'node', aliases: ['n'] }], rows);
}

export function catNodeattrs(req: RestRequest, ctx: NodeContext): RestResult {
  const rows: CatRow[] = [];
  for (const n of Object.values(ctx.coordinator.applied.nodes)) {
    for (const [k, v] of Object.entries(n.attributes).sort()) {
      rows.push({ node: n.name, id: n.id.slice(0, 4), pid: String(n.pid), host: n.host, ip: n.ip, port: n.transportAddress.split(':').pop() ?? null, attr: k, value: v });
    }
  }
  return catResult(
    req,
    [
      { name: 'node', aliases: ['name'] },
      { name: 'id', aliases: ['id', 'nodeId'], hidden: true },
      { name: 'pid', aliases: ['p'], hidden: true },
      { name: 'host', aliases: ['h'] },
      { name: 'ip', aliases: ['i'] },
      { name: 'port', aliases: ['po'], hidden: true },
      { name: 'attr', aliases: ['attr.name'] },
      { name: 'value', aliases: ['attr.value'] },
    ],
    rows,
  );
}

function selectIndices(ctx: NodeContext, expr: string | undefined): string[] {
  const all = Object.keys(ctx.coordinator.applied.metadata.indices).sort();
  if (!expr || expr === '_all' || expr === '*') return all;
  const out: string[] = [];
  for (const part of expr.split(',')) {
    if (part.includes('*')) {
      const re = new RegExp('^' + part.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
      out.push(...all.filter((i) => re.test(i)));
    } else if (all.includes(part)) out.push(part);
    else throw indexNotFound(part);
  }
  return [...new Set(out)];
}

export function catIndices(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const rows: CatRow[] = selectIndices(ctx, req.params.index).map((name) => {
    const m = s.metadata.indices[name]!;
    return {
      health: indexStatus(s, name),
      status: 'open',
      index: name,
      uuid: m.uuid,
      pri: String(m.numberOfShards),
      rep: String(m.numberOfReplicas),
      'docs.count': '0',
      'docs.deleted': '0',
      'store.size': `${225 * m.numberOfShards * (m.numberOfReplicas + 1)}b`,
      'pri.store.size': `${225 * m.numberOfShards}b`,
      'dataset.size': `${225 * m.numberOfShards}b`,
    };
  });
  return catResult(
    req,
    [
      { name: 'health', aliases: ['h'] },
      { name: 'status', aliases: ['s'] },
      { name: 'index', aliases: ['i', 'idx'] },
      { name: 'uuid', aliases: ['id', 'uuid'] },
      { name: 'pri', aliases: ['p', 'shards.primary', 'shardsPrimary'], right: true },
      { name: 'rep', aliases: ['r', 'shards.replica', 'shardsReplica'], right: true },
      { name: 'docs.count', aliases: ['dc', 'docsCount'], right: true },
      { name: 'docs.deleted', aliases: ['dd', 'docsDeleted'], right: true },
      { name: 'store.size', aliases: ['ss', 'storeSize'], right: true },
      { name: 'pri.store.size', right: true },
      { name: 'dataset.size', right: true },
    ],
    rows,
  );
}

/** `_cat/shards`: one row per copy, unassigned copies included (state UNASSIGNED, node null). */
export function catShards(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const rows: CatRow[] = [];
  for (const name of selectIndices(ctx, req.params.index)) {
    const m = s.metadata.indices[name]!;
    const shards = s.routing[name] ?? [];
    for (let sid = 0; sid < m.numberOfShards; sid++) {
      const sh = shards[sid] ?? { copies: [], delayed: [] };
      const copies = [...sh.copies].sort((a, b) => Number(b.primary) - Number(a.primary));
      const hasPrimary = copies.some((c) => c.primary);
      for (const c of copies) {
        const n = s.nodes[c.nodeId];
        rows.push({
          index: name,
          shard: String(sid),
          prirep: c.primary ? 'p' : 'r',
          state: c.state,
          docs: c.state === 'STARTED' ? '0' : null,
          store: c.state === 'STARTED' ? '225b' : null,
          dataset: c.state === 'STARTED' ? '225b' : null,
          ip: n?.ip ?? null,
          id: n ? n.id.slice(0, 4) : null,
          node: n?.name ?? null,
          'unassigned.reason': null,
        });
      }
      const missing = m.numberOfReplicas + 1 - copies.length;
      for (let i = 0; i < missing; i++) {
        rows.push({
          index: name,
          shard: String(sid),
          prirep: !hasPrimary && i === 0 ? 'p' : 'r',
          state: 'UNASSIGNED',
          docs: null,
          store: null,
          dataset: null,
          ip: null,
          id: null,
          node: null,
          'unassigned.reason': sh.delayed.length > 0 || !hasPrimary ? 'NODE_LEFT' : 'INDEX_CREATED',
        });
      }
    }
  }
  return catResult(
    req,
    [
      { name: 'index', aliases: ['i', 'idx'] },
      { name: 'shard', aliases: ['s', 'sh'] },
      { name: 'prirep', aliases: ['p', 'pr', 'primaryOrReplica'] },
      { name: 'state', aliases: ['st'] },
      { name: 'docs', aliases: ['d', 'dc'], right: true },
      { name: 'store', aliases: ['sto'], right: true },
      { name: 'dataset', right: true },
      { name: 'ip' },
      { name: 'id', hidden: true },
      { name: 'node', aliases: ['n'] },
      { name: 'unassigned.reason', aliases: ['ur'], hidden: true },
    ],
    rows,
  );
}

export function catHelp(): RestResult {
  return {
    status: 200,
    body: ['=^.^=', '/_cat/health', '/_cat/nodes', '/_cat/master', '/_cat/nodeattrs', '/_cat/indices', '/_cat/indices/{index}', '/_cat/shards', '/_cat/shards/{index}', ''].join('\n'),
  };
}
