import { confList, confNum, type StormConf } from './config.js';
import { STORM_VERSION, STORM_VERSION_INFO } from './version.js';
import type { ClusterSummary, SupervisorSummary, TopologySummary } from './thrift.js';

/** Pure renderers mirroring storm-webapp UIHelpers (2.x). */

/** UIHelpers.prettyUptimeSec: `213` → `3m 33s`; `0` → `` (empty, as upstream). */
export function prettyUptimeSec(secs: number): string {
  const dividers: [string, number | null][] = [
    ['s', 60],
    ['m', 60],
    ['h', 24],
    ['d', null],
  ];
  let uptime = Math.trunc(secs);
  const parts: string[] = [];
  for (const [unit, div] of dividers) {
    if (uptime > 0) {
      if (div !== null) {
        parts.unshift(`${uptime % div}${unit}`);
        uptime = Math.trunc(uptime / div);
      } else {
        parts.unshift(`${uptime}${unit}`);
      }
    }
  }
  return parts.join(' ');
}

/** Utils.isLocalhostAddress: such seeds are never reported as Offline. */
export function isLocalhostAddress(host: string): boolean {
  return ['localhost', '127.0.0.1', '0:0:0:0:0:0:0:1'].includes(host);
}

function logviewerPort(conf: StormConf): number {
  const https = conf['logviewer.https.port'];
  return typeof https === 'number' && https >= 0 ? https : confNum(conf, 'logviewer.port');
}
function logviewerScheme(conf: StormConf): string {
  const https = conf['logviewer.https.port'];
  return typeof https === 'number' && https >= 0 ? 'https' : 'http';
}

/** UIHelpers.getNimbusLogLink */
export function nimbusLogLink(host: string, conf: StormConf): string {
  return `${logviewerScheme(conf)}://${encodeURIComponent(host)}:${logviewerPort(conf)}/api/v1/daemonlog?file=nimbus.log`;
}

/**
 * UIHelpers.getNimbusSummary: live nimbuses (from getClusterInfo) first, then every non-localhost
 * seed not among them as `Offline` with string `port` and "Not applicable" fields (surprise 11).
 */
export function renderNimbusSummary(
  cluster: ClusterSummary,
  conf: StormConf,
): { nimbuses: Record<string, unknown>[] } {
  const port = confNum(conf, 'nimbus.thrift.port');
  const seeds = confList(conf, 'nimbus.seeds')
    .filter((h) => !isLocalhostAddress(h))
    .map((h) => `${h}:${port}`);
  const out: Record<string, unknown>[] = [];
  for (const n of cluster.nimbuses) {
    out.push({
      host: n.host,
      port: n.port,
      status: n.isLeader ? 'Leader' : 'Not a Leader',
      version: n.version,
      nimbusUpTimeSeconds: n.uptime_secs,
      nimbusUpTime: prettyUptimeSec(n.uptime_secs),
      nimbusLogLink: nimbusLogLink(n.host, conf),
    });
    const i = seeds.indexOf(`${n.host}:${n.port}`);
    if (i >= 0) seeds.splice(i, 1);
  }
  for (const seed of seeds) {
    const [host, seedPort] = seed.split(':') as [string, string];
    out.push({
      host,
      port: seedPort,
      status: 'Offline',
      version: 'Not applicable',
      nimbusUpTimeSeconds: 'Not applicable',
      nimbusUpTime: 'Not applicable',
      nimbusLogLink: nimbusLogLink(host, conf),
    });
  }
  return { nimbuses: out };
}

const totalMem = (s: SupervisorSummary): number =>
  s.total_resources?.get('memory.mb') ?? s.total_resources?.get('supervisor.memory.capacity.mb') ?? 0;
const totalCpu = (s: SupervisorSummary): number =>
  s.total_resources?.get('cpu.pcore.percent') ?? s.total_resources?.get('supervisor.cpu.capacity') ?? 0;

/** StatsUtil.floatStr: two decimals. */
const floatStr = (n: number): string => n.toFixed(2);

/** UIHelpers.getClusterSummary (2.x keys, service-facts 3.4). */
export function renderClusterSummary(
  cluster: ClusterSummary,
  user: string | null,
  conf: StormConf,
): Record<string, unknown> {
  const sups = cluster.supervisors;
  const sum = (f: (s: SupervisorSummary) => number): number => sups.reduce((a, s) => a + f(s), 0);
  const sumT = (f: (t: TopologySummary) => number): number =>
    cluster.topologies.reduce((a, t) => a + f(t), 0);
  const slotsTotal = sum((s) => s.num_workers);
  const slotsUsed = sum((s) => s.num_used_workers);
  const mem = sum(totalMem);
  const cpu = sum(totalCpu);
  const usedMem = sum((s) => s.used_mem ?? 0);
  const usedCpu = sum((s) => s.used_cpu ?? 0);
  return {
    user,
    stormVersion: STORM_VERSION,
    stormVersionInfo: { ...STORM_VERSION_INFO },
    supervisors: sups.length,
    topologies: cluster.topologies.length,
    slotsUsed,
    slotsTotal,
    slotsFree: slotsTotal - slotsUsed,
    tasksTotal: sumT((t) => t.num_tasks),
    executorsTotal: sumT((t) => t.num_executors),
    totalMem: mem,
    totalCpu: cpu,
    availMem: mem - usedMem,
    availCpu: cpu - usedCpu,
    fragmentedMem: sum((s) => s.fragmented_mem ?? 0),
    fragmentedCpu: sum((s) => s.fragmented_cpu ?? 0),
    schedulerDisplayResource: conf['scheduler.display.resource'] ?? null,
    memAssignedPercentUtil: mem > 0 ? floatStr((usedMem * 100) / mem) : '0.0',
    cpuAssignedPercentUtil: cpu > 0 ? floatStr((usedCpu * 100) / cpu) : '0.0',
    'bugtracker-url': conf['ui.project.bugtracker.url'] ?? null,
    'central-log-url': conf['ui.central.logging.url'] ?? null,
    availGenerics: '',
    totalGenerics: '',
  };
}

/** UIHelpers.getSupervisorSummary / getPrettifiedSupervisorMap */
export function renderSupervisorSummary(cluster: ClusterSummary, conf: StormConf): Record<string, unknown> {
  return {
    logviewerPort: logviewerPort(conf),
    logviewerScheme: logviewerScheme(conf),
    supervisors: cluster.supervisors.map((s) => {
      const mem = totalMem(s);
      const cpu = totalCpu(s);
      return {
        id: s.supervisor_id,
        host: s.host,
        uptime: prettyUptimeSec(s.uptime_secs),
        uptimeSeconds: s.uptime_secs,
        slotsTotal: s.num_workers,
        slotsUsed: s.num_used_workers,
        slotsFree: Math.max(s.num_workers - s.num_used_workers, 0),
        totalMem: mem,
        totalCpu: cpu,
        usedMem: s.used_mem ?? 0,
        usedCpu: s.used_cpu ?? 0,
        logLink: `${logviewerScheme(conf)}://${encodeURIComponent(s.host)}:${logviewerPort(conf)}/api/v1/daemonlog?file=supervisor.log`,
        availMem: mem - (s.used_mem ?? 0),
        availCpu: cpu - (s.used_cpu ?? 0),
        version: s.version ?? 'VERSION_NOT_PROVIDED',
        blacklisted: s.blacklisted ?? false,
      };
    }),
    schedulerDisplayResource: conf['scheduler.display.resource'] ?? null,
  };
}

/** UIHelpers.getAllTopologiesSummary / getTopologyMap (resource fields 0 without RAS). */
export function renderTopologySummary(cluster: ClusterSummary, conf: StormConf): Record<string, unknown> {
  return {
    topologies: cluster.topologies.map((t) => ({
      id: t.id,
      encodedId: encodeURIComponent(t.id),
      owner: t.owner ?? null,
      name: t.name,
      status: t.status,
      uptime: prettyUptimeSec(t.uptime_secs),
      uptimeSeconds: t.uptime_secs,
      tasksTotal: t.num_tasks,
      workersTotal: t.num_workers,
      executorsTotal: t.num_executors,
      replicationCount: t.replication_count ?? 0,
      schedulerInfo: null,
      requestedMemOnHeap: 0,
      requestedMemOffHeap: 0,
      requestedTotalMem: 0,
      requestedCpu: 0,
      assignedMemOnHeap: 0,
      assignedMemOffHeap: 0,
      assignedTotalMem: 0,
      assignedCpu: 0,
      topologyVersion: null,
      stormVersion: null,
    })),
    schedulerDisplayResource: conf['scheduler.display.resource'] ?? null,
  };
}

/** UIHelpers.exceptionToJson for HTTP 500 (Jetty's reason phrase is "Server Error"). */
export function renderError(stackTrace: string, status = 500): Record<string, unknown> {
  return { error: `${status} Server Error`, errorMessage: stackTrace };
}
