/**
 * What the number of clusters costs one operator change, in-process: a fleet of many small
 * ZooKeeper ensembles, where each call should cost about the same however many other clusters
 * there are (one apply validates against the others' stored plans, and no longer re-plans them;
 * a listing grows with the clusters it lists, and no faster).
 *
 *   node bench/dist/cluster-count.js [--clusters 10,100,1000] [--rounds 20] [--storm]
 *
 * Each size gets its own control-plane core on a SQLite store in a temp dir: `zk-0` … `zk-<C-1>`,
 * three members each on hosts of their own (`b0`…; 3C hosts), every member reporting running with
 * a fresh probe (the first of each ensemble leads). With `--storm` each ensemble also serves a
 * Storm cluster `storm-<k>` (a nimbus and a supervisor on two hosts of their own; 2C clusters on
 * 5C hosts): a change of an ensemble then re-plans the cluster that depends on it, and every apply
 * checks every Storm cluster's dependency hold. A round, timed per call (untimed first: every
 * member renews its report, same pid and a new probe time, as running agents do):
 * - `PUT`: Changes.apply of one ensemble (a different one each round) with its `tickTime`
 *   flipped, storing a rollout of its three members (aborted after, untimed);
 * - its three members report the new generation with a new pid;
 * - `list, fresh`: Fleet.listClusters (the first `GET /v1/clusters` after that change);
 * - `list, again`: Fleet.listClusters once more, nothing changed in between;
 * - `view`: Fleet.clusterStatus of the changed ensemble (`GET /v1/clusters/NAME`).
 * The baseline is the first size in the same run: `PUT vs first` near 1 means the apply does not
 * grow with the clusters around it; the listings are also given per cluster. The first 3 rounds
 * warm up and are left out. The set-up (every ensemble applied one at a time, as an operator
 * would) is timed too, whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestCore, TEST_NOW } from '../../control-plane/dist/test-core.js';
import { SqliteStore } from '../../control-plane/dist/store/sqlite-store.js';
import type { Core } from '../../control-plane/dist/core.js';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import { median, ms, table } from './fleet/stats.js';
import { watchGcPauses } from './fleet/gc-pauses.js';
import { BENCH_META, connectBenchAgents, reportRunning } from './fleet/in-process.js';
import { benchProbe } from './fleet/specs.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const USAGE = `usage: node bench/dist/cluster-count.js [flags]

  --clusters N[,N…]  ZooKeeper ensembles of three per size, at least 2 (default 10,100,1000);
                     the first size is the baseline
  --rounds N         measured rounds per size (default 20)
  --storm            each ensemble also serves a Storm cluster of its own (a nimbus and a
                     supervisor on two more hosts)`;

const args = parseBenchArgs(
  {
    clusters: { type: 'string', default: '10,100,1000' },
    rounds: { type: 'string', default: '20' },
    storm: { type: 'boolean', default: false },
  },
  USAGE,
);
const SIZES = wholeNumberListArg('--clusters', args.clusters, USAGE, 2);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const WARM_UP = 3;
const WITH_STORM = args.storm === true;
/** Hosts per ensemble: its three members, and with --storm its Storm cluster's two. */
const SPAN = WITH_STORM ? 5 : 3;

/** Ensemble `k`'s spec: members 1-3 on hosts b(SPAN k)…b(SPAN k + 2). */
const ensemble = (k: number, tickTime: number) => ({
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  settings: { tickTime },
  members: [0, 1, 2].map((m) => ({ host: `b${SPAN * k + m}`, id: m + 1 })),
});

/** Storm cluster `k` (--storm) on ensemble `zk-k`: nimbus on b(5k + 3), a supervisor on b(5k + 4). */
const stormOf = (k: number) => ({
  kind: 'storm',
  distribution: { home: '/opt/storm' },
  zookeeper: `zk-${k}`,
  nimbus: { hosts: [`b${SPAN * k + 3}`] },
  supervisors: { hosts: [`b${SPAN * k + 4}`], slots: [6700, 6701] },
});

/** A member's probe: the first host of each ensemble leads (benchProbe's leader is b0). */
const probeOf: typeof benchProbe = (inst, address, i) => benchProbe(inst, address, i % SPAN);

/** GC pause time that began within [from, to] (performance.now() ms). */
const gcWithin = watchGcPauses();

/** Wall-clock ms per call, measured rounds only. */
interface Timings {
  setupMs: number;
  put: number[];
  /** Each measured PUT's start and end (performance.now() ms), for the GC paid within it. */
  putWindows: [number, number][];
  listFresh: number[];
  listAgain: number[];
  view: number[];
}

let workDir: string | undefined;
cleanUpOnInterrupt(() => workDir && fs.rmSync(workDir, { recursive: true, force: true }));

/**
 * Registers SPAN·C agents with stub sessions and applies the C ensembles (and Storm clusters) one
 * at a time. Answers each ensemble's hosts: its members', then its Storm cluster's.
 */
function buildFleet(core: Core, clusters: number): string[][] {
  connectBenchAgents(core, SPAN * clusters);
  for (let k = 0; k < clusters; k++) {
    core.fleet.applyCluster(`zk-${k}`, ensemble(k, 2000), BENCH_META);
    if (WITH_STORM) core.fleet.applyCluster(`storm-${k}`, stormOf(k), BENCH_META);
  }
  const snap = core.fleet.snapshot();
  const idOf = new Map([...snap.hostById.values()].map((h) => [h.name, h.id]));
  return Array.from({ length: clusters }, (_, k) =>
    Array.from({ length: SPAN }, (_, m) => idOf.get(`b${SPAN * k + m}`)!),
  );
}

async function measure(clusters: number): Promise<Timings> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-clusters-'));
  workDir = dir;
  const store = new SqliteStore(path.join(dir, 'state.db'));
  try {
    let now = TEST_NOW;
    let nextId = 0;
    const core = createTestCore(store, { now: () => now, newId: () => `r${nextId++}`, checkReplan: false });
    const t0 = performance.now();
    const hostsOf = buildFleet(core, clusters);
    const out: Timings = {
      setupMs: performance.now() - t0,
      put: [],
      putWindows: [],
      listFresh: [],
      listAgain: [],
      view: [],
    };
    /** Each ensemble's members' pid: a renewal repeats it, a restart (the changed ensemble) moves it. */
    const pids = hostsOf.map(() => 100);
    const renewAll = () =>
      hostsOf.forEach((hostIds, k) => {
        reportRunning(core, hostIds.slice(0, 3), now, pids[k], probeOf);
        // The Storm cluster's processes keep theirs: a change of its ensemble restarts none of them.
        if (WITH_STORM) reportRunning(core, hostIds.slice(3), now, 100, probeOf);
      });
    renewAll();
    const tickOf = new Map<number, number>();
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      // A different ensemble each round, spread over the fleet (7919 is prime, so it visits all).
      const k = (round * 7919) % clusters;
      const name = `zk-${k}`;
      const tick = tickOf.get(k) === 3000 ? 2000 : 3000;
      tickOf.set(k, tick);
      now += 1000;
      // Every agent renews its report between two operator calls, as running agents do (every
      // 5 s by default): without it the other ensembles' probes would age into stale ones.
      renewAll();
      const a = performance.now();
      const answer = await core.changes.apply([{ name, spec: ensemble(k, tick) }], BENCH_META, {
        rollout: true,
      });
      const b = performance.now();
      const rollout = answer[0]?.rollout;
      if (rollout === undefined) throw new Error(`the PUT of ${name} stored no rollout`);
      core.rollouts.abort(rollout);
      pids[k] = 1000 + round;
      reportRunning(core, hostsOf[k]!.slice(0, 3), now, pids[k], probeOf);
      const c = performance.now();
      const list = core.fleet.listClusters();
      const d = performance.now();
      core.fleet.listClusters();
      const e = performance.now();
      const view = core.fleet.clusterStatus(name);
      const f = performance.now();
      const listed = WITH_STORM ? 2 * clusters : clusters;
      if (list.length !== listed) throw new Error(`listed ${list.length} clusters, not ${listed}`);
      if (view.status.members.length !== 3)
        throw new Error(`${name} has ${view.status.members.length} members`);
      if (round >= WARM_UP) {
        out.put.push(b - a);
        out.putWindows.push([a, b]);
        out.listFresh.push(d - c);
        out.listAgain.push(e - d);
        out.view.push(f - e);
      }
      // Between operator calls the event loop turns (the push, timers).
      await new Promise((r) => setImmediate(r));
    }
    // GC entries are delivered when the event loop idles, some long after the call that paid them.
    await new Promise((r) => setTimeout(r, 100));
    return out;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    workDir = undefined;
  }
}

const results: [number, Timings][] = [];
for (const c of SIZES) results.push([c, await measure(c)]);
const [firstSize, first] = results[0]!;
const vsFirst = (v: number, base: number) => `${(v / base).toFixed(2)}x`;
const perCluster = (v: number, c: number) => `${((v * 1000) / c).toFixed(1)}`;
/** Clusters per ensemble: itself, and with --storm its Storm cluster. */
const PER_ENSEMBLE = WITH_STORM ? 2 : 1;
const rows = results.map(([c, t]) => [
  String(c),
  String(PER_ENSEMBLE * c),
  String(SPAN * c),
  `${(t.setupMs / 1000).toFixed(2)} s`,
  ms(median(t.put)),
  vsFirst(median(t.put), median(first.put)),
  ms(median(t.listFresh)),
  perCluster(median(t.listFresh), PER_ENSEMBLE * c),
  ms(median(t.listAgain)),
  (median(t.view) * 1000).toFixed(1),
  vsFirst(median(t.view), median(first.view)),
  ms(t.putWindows.reduce((sum, [from, to]) => sum + gcWithin(from, to), 0) / t.putWindows.length),
]);
console.log(
  `One operator change among C ZooKeeper ensembles of three` +
    (WITH_STORM ? ', each serving a Storm cluster of two hosts (2C clusters)' : '') +
    `, in-process on SQLite (core calls, no ` +
    `HTTP); medians of ${ROUNDS} rounds after ${WARM_UP} warm-up rounds; baseline: the first size ` +
    `(${firstSize} ensembles) in this run. PUT = Changes.apply of one ensemble with a rollout; list = ` +
    `Fleet.listClusters just after its members reported (fresh) and once more (again); view = ` +
    `Fleet.clusterStatus of that ensemble; PUT GC = V8's GC pauses begun within a PUT, mean per PUT`,
);
console.log(
  table(
    [
      'ensembles',
      'clusters',
      'hosts',
      'set-up',
      'PUT ms',
      'PUT vs first',
      'list, fresh ms',
      'µs per cluster',
      'list, again ms',
      'view µs',
      'view vs first',
      'PUT GC ms (mean)',
    ],
    rows,
  ),
);
