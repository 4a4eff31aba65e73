import type { TopologySummary } from './thrift.js';

/** Java `String.format("%-Ns", v)` */
const left = (v: unknown, width: number): string => String(v ?? 'null').padEnd(width);

/**
 * `storm list` output (2.x command/ListTopologies.java, service-facts 3.4):
 * `No topologies running.` or the 7-column header, 88 dashes and one row per topology.
 */
export function renderTopologyList(topologies: readonly TopologySummary[]): string {
  if (topologies.length === 0) return 'No topologies running.\n';
  const row = (cols: unknown[]): string =>
    `${left(cols[0], 20)} ${left(cols[1], 10)} ${left(cols[2], 10)} ${left(cols[3], 12)} ${left(cols[4], 12)} ${left(cols[5], 20)} ${left(cols[6], 20)}\n`;
  return (
    row(['Topology_name', 'Status', 'Num_tasks', 'Num_workers', 'Uptime_secs', 'Topology_Id', 'Owner']) +
    `${'-'.repeat(88)}\n` +
    topologies
      .map((t) => row([t.name, t.status, t.num_tasks, t.num_workers, t.uptime_secs, t.id, t.owner ?? null]))
      .join('')
  );
}
