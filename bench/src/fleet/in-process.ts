/**
 * fleet-push's fleet (fleet/specs.ts) built on a control plane's core in-process, for the benches
 * that time core calls without gRPC or HTTP (apply-cost.js, rollup-ab.js): agents registered with
 * stub sessions, ZooKeeper on three hosts, a Storm nimbus on the fourth and a supervisor on every
 * other host, and reports of every member running with a fresh probe.
 */
import type { Core } from '../../../control-plane/dist/core.js';
import type { SnapshotDesired } from '../../../control-plane/dist/reconcile/snapshot.js';
import { BENCH_ZOOKEEPER, benchProbe, benchStorm } from './specs.js';

/** The author and message of every revision the in-process benches store. */
export const BENCH_META = { author: 'bench', message: '' };

/** The instances of a host's stored desired state (kept as its object, or as its JSON text). */
function instancesOf(d: SnapshotDesired | undefined): readonly { id: string; kind: string; role: string }[] {
  if (!d) return [];
  return d.state
    ? d.state.instances
    : (JSON.parse(d.json) as { instances: { id: string; kind: string; role: string }[] }).instances;
}

/**
 * Registers `hostCount` agents, hosts `b0`… at addresses 10.x.y.z, with sessions that drop what
 * they are sent. Returns the host names in order.
 */
export function connectBenchAgents(core: Core, hostCount: number): string[] {
  const names = Array.from({ length: hostCount }, (_, i) => `b${i}`);
  const session = { sendDesired() {}, sendCommand() {}, close() {} };
  for (const [i, name] of names.entries())
    core.fleet.connectAgent(
      {
        name,
        address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        agentVersion: 'bench',
        dataRoot: '/d',
        labels: {},
        facts: {},
      },
      session,
    );
  return names;
}

/**
 * Registers `hostCount` agents (hosts `b0`…, addresses 10.x.y.z, sessions that drop what they are
 * sent) and applies fleet-push's ZooKeeper and Storm clusters (`storm-bench`, message timeout
 * `timeoutSecs`). Returns the host names in order and the host ids that got a desired state.
 */
export function buildBenchFleet(
  core: Core,
  hostCount: number,
  timeoutSecs = 30,
): { names: string[]; hostIds: string[] } {
  const names = connectBenchAgents(core, hostCount);
  core.fleet.applyCluster('zk-bench', BENCH_ZOOKEEPER, BENCH_META);
  core.fleet.applyCluster('storm-bench', benchStorm(names, timeoutSecs), BENCH_META);
  return { names, hostIds: [...core.fleet.snapshot().desired.keys()] };
}

/**
 * Every host's members report their process running (as `pid`) and a fresh probe made at `now`
 * (ms), as fleet-push's simulated agents do. A report with another pid than the last is a change
 * that a status view must judge again; the same pid and a later probe is a renewal. `probeOf` makes
 * each member's probe (default: fleet-push's, benchProbe).
 */
export function reportRunning(
  core: Core,
  hostIds: readonly string[],
  now: number,
  pid = 100,
  probeOf: typeof benchProbe = benchProbe,
): void {
  const snap = core.fleet.snapshot();
  for (const hostId of hostIds) {
    const desired = snap.desired.get(hostId);
    const host = snap.hostById.get(hostId)!;
    const index = Number(host.name.slice(1));
    core.fleet.recordStatus(hostId, {
      appliedGeneration: desired?.generation ?? 0,
      applyError: '',
      instances: instancesOf(desired).map((i) => ({
        id: i.id,
        process: 'running' as const,
        pid,
        restarts: 0,
        detail: '',
        restartPending: false,
        probeAt: now,
        probe: probeOf(i, host.address, index),
      })),
    });
  }
}
