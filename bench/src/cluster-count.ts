/**
 * What the number of clusters costs one operator change, in-process: a fleet of many small
 * ZooKeeper ensembles, where each call should cost about the same however many other clusters
 * there are (one apply validates against the others' stored plans, and no longer re-plans them;
 * a listing grows with the clusters it lists, and no faster).
 *
 *   node bench/dist/cluster-count.js [--clusters 10,100,1000] [--rounds 20] [--storm]
 *                                    [--base DIR [--new DIR]]
 *
 * Each size gets its own control-plane core on a SQLite store in a temp dir: `zk-0` … `zk-<C-1>`,
 * three members each on hosts of their own (`b0`…; 3C hosts), every member reporting running with
 * a fresh probe (the first of each ensemble leads). With `--storm` each ensemble also serves a
 * Storm cluster `storm-<k>` (a nimbus and a supervisor on two hosts of their own; 2C clusters on
 * 5C hosts): a change of an ensemble then re-plans the cluster that depends on it. Once every
 * member has reported, the control plane's periodic pass runs once (untimed), releasing the Storm
 * clusters, as its reconcile timer would. A round, timed per call (untimed first: every member
 * renews its report, same pid and a new probe time, as running agents do):
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
 *
 * With `--base DIR` it is an A/B (fleet/ab.ts): the build in DIR and this one (or `--new DIR`)
 * each get their own core and store at each size, each its own modules, and in every round both
 * take the same change in turn, alternating which goes first; the fleets are set up side by side,
 * a turn per ensemble. The table then gives, per size and call, both builds' medians and their
 * ratio new / base with its 90% bootstrap interval over paired rounds, in place of the sizes
 * against the first. Left out: the set-up (one figure per build, and the major GCs within it fall
 * on either) and the GC column (one heap serves both builds, so a pause cannot be put down to
 * either).
 */
import type { Core } from '../../control-plane/dist/core.js';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import {
  AB_COLUMNS,
  AB_OPTIONS,
  abUsage,
  abCaption,
  abCells,
  checkoutsToTime,
  loadBuilds,
  openSides,
  openTempStore,
  turnOrder,
  type Build,
} from './fleet/ab.js';
import { median, ms, table } from './fleet/stats.js';
import { watchGcPauses } from './fleet/gc-pauses.js';
import { BENCH_META, connectBenchAgents, reportRunning } from './fleet/in-process.js';
import { benchProbe } from './fleet/specs.js';

const USAGE = `usage: node bench/dist/cluster-count.js [flags]

  --clusters N[,N…]  ZooKeeper ensembles of three per size, at least 2 (default 10,100,1000);
                     the first size is the baseline
  --rounds N         measured rounds per size (default 20)
  --storm            each ensemble also serves a Storm cluster of its own (a nimbus and a
                     supervisor on two more hosts)
${abUsage(21)}`;

const args = parseBenchArgs(
  {
    clusters: { type: 'string', default: '10,100,1000' },
    rounds: { type: 'string', default: '20' },
    storm: { type: 'boolean', default: false },
    ...AB_OPTIONS,
  },
  USAGE,
);
const SIZES = wholeNumberListArg('--clusters', args.clusters, USAGE, 2);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const WARM_UP = 3;
const WITH_STORM = args.storm === true;
/** Hosts per ensemble: its three members, and with --storm its Storm cluster's two. */
const SPAN = WITH_STORM ? 5 : 3;
/** This checkout alone, or with --base the two builds of an A/B. */
const builds = await loadBuilds(checkoutsToTime(args, USAGE));

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

/** One build's fleet of C ensembles on its own core and store, and what its calls took. */
interface Side {
  core: Core;
  /** The timed calls, through this build's own call sites (ab.ts). */
  calls: Build['calls'];
  /** Each ensemble's hosts: its members', then its Storm cluster's. */
  hostsOf: string[][];
  /** Each ensemble's members' pid: a renewal repeats it, a restart (the changed ensemble) moves it. */
  pids: number[];
  timings: Timings;
  close(): void;
}

/** Every agent renews its report at `now`: the same pid, a new probe time. */
function renewAll(side: Side, now: number): void {
  side.hostsOf.forEach((hostIds, k) => {
    reportRunning(side.core, hostIds.slice(0, 3), now, side.pids[k], probeOf);
    // The Storm cluster's processes keep theirs: a change of its ensemble restarts none of them.
    if (WITH_STORM) reportRunning(side.core, hostIds.slice(3), now, 100, probeOf);
  });
}

/** `build`'s core on a store of its own, its fleet not yet set up. */
function open(build: Build, now: () => number): Side {
  const { store, close } = openTempStore(build, 'hactl-bench-clusters-');
  let nextId = 0;
  const core = build.createTestCore(store, { now, newId: () => `r${nextId++}`, checkReplan: false });
  const timings: Timings = { setupMs: 0, put: [], putWindows: [], listFresh: [], listAgain: [], view: [] };
  return { core, calls: build.calls, hostsOf: [], pids: [], timings, close };
}

/**
 * Sets up the fleet of `clusters` ensembles on every side (the `size`th size measured): registers
 * SPAN·C agents with stub sessions and applies the ensembles (and Storm clusters) one at a time,
 * as an operator would, then every member reports at `now` (ms). Each side's set-up time is the
 * sum of its own steps. The sides take turns per ensemble, so that neither build's fleet is laid
 * out in memory before the other's: in A/As where each build set up its whole fleet in turn, the
 * one set up first viewed its ensembles 5-15% faster all run long (whichever went first in the
 * rounds).
 */
function setUpFleets(sides: readonly Side[], clusters: number, size: number, now: number): void {
  const timed = (side: Side, step: () => void) => {
    const t0 = performance.now();
    step();
    side.timings.setupMs += performance.now() - t0;
  };
  for (const i of turnOrder(size, sides.length))
    timed(sides[i]!, () => connectBenchAgents(sides[i]!.core, SPAN * clusters));
  for (let k = 0; k < clusters; k++)
    for (const i of turnOrder(k, sides.length)) {
      const { core, calls } = sides[i]!;
      timed(sides[i]!, () => {
        calls.applyCluster(core, `zk-${k}`, ensemble(k, 2000), BENCH_META);
        if (WITH_STORM) calls.applyCluster(core, `storm-${k}`, stormOf(k), BENCH_META);
      });
    }
  for (const side of sides) {
    timed(side, () => {
      const snap = side.core.fleet.snapshot();
      const idOf = new Map([...snap.hostById.values()].map((h) => [h.name, h.id]));
      side.hostsOf = Array.from({ length: clusters }, (_, k) =>
        Array.from({ length: SPAN }, (_, m) => idOf.get(`b${SPAN * k + m}`)!),
      );
    });
    side.pids = side.hostsOf.map(() => 100);
    renewAll(side, now);
    // The control plane's periodic pass, as its reconcile timer runs it a few seconds after the
    // members report: it releases every Storm cluster whose ensemble is now healthy (holds.ts).
    // An apply judges only the holds of the clusters it revises, so without this pass each round's
    // PUT would release one Storm cluster, and re-read the snapshot for it, as no running control
    // plane does.
    side.core.fleet.reconcileTick();
  }
}

/**
 * Round `round` on one side at `now` (ms): every agent renews, then the timed calls of the
 * header's list on ensemble `k`, its `tickTime` set to `tick`. Throws when an answer is not the
 * fleet's (no rollout stored, a cluster or member missing).
 */
async function playRound(side: Side, round: number, k: number, tick: number, now: number): Promise<void> {
  const { core, calls, timings: out } = side;
  const name = `zk-${k}`;
  // Every agent renews its report between two operator calls, as running agents do (every
  // 5 s by default): without it the other ensembles' probes would age into stale ones.
  renewAll(side, now);
  const a = performance.now();
  const answer = await calls.applyChanges(core, [{ name, spec: ensemble(k, tick) }], BENCH_META, {
    rollout: true,
  });
  const b = performance.now();
  const rollout = answer[0]?.rollout;
  if (rollout === undefined) throw new Error(`the PUT of ${name} stored no rollout`);
  core.rollouts.abort(rollout);
  side.pids[k] = 1000 + round;
  reportRunning(core, side.hostsOf[k]!.slice(0, 3), now, side.pids[k], probeOf);
  const c = performance.now();
  const list = calls.listClusters(core);
  const d = performance.now();
  calls.listClusters(core);
  const e = performance.now();
  const view = calls.clusterStatus(core, name);
  const f = performance.now();
  const listed = WITH_STORM ? 2 * side.hostsOf.length : side.hostsOf.length;
  if (list.length !== listed) throw new Error(`listed ${list.length} clusters, not ${listed}`);
  if (view.status.members.length !== 3) throw new Error(`${name} has ${view.status.members.length} members`);
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

/**
 * Every build's timings at `clusters` ensembles, in build order; the `size`th size measured (its
 * builds set up in turn order too). Each round, the builds take turns on the same change.
 */
async function measure(clusters: number, size: number): Promise<Timings[]> {
  let now = builds[0]!.TEST_NOW;
  const sides = await openSides(builds, size, (b) => open(b, () => now));
  try {
    setUpFleets(sides, clusters, size, now);
    // What the cores queued while the fleets were set up (ab.ts openSides) runs now, untimed.
    await new Promise((r) => setImmediate(r));
    const tickOf = new Map<number, number>();
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      // A different ensemble each round, spread over the fleet (7919 is prime, so it visits all).
      const k = (round * 7919) % clusters;
      const tick = tickOf.get(k) === 3000 ? 2000 : 3000;
      tickOf.set(k, tick);
      now += 1000;
      for (const i of turnOrder(round, sides.length)) await playRound(sides[i]!, round, k, tick, now);
    }
    // GC entries are delivered when the event loop idles, some long after the call that paid them.
    await new Promise((r) => setTimeout(r, 100));
    return sides.map((s) => s.timings);
  } finally {
    sides.forEach((s) => s.close());
  }
}

const results: [number, Timings[]][] = [];
for (const [size, c] of SIZES.entries()) results.push([c, await measure(c, size)]);
/** Clusters per ensemble: itself, and with --storm its Storm cluster. */
const PER_ENSEMBLE = WITH_STORM ? 2 : 1;
const fleetCaption =
  `One operator change among C ZooKeeper ensembles of three` +
  (WITH_STORM ? ', each serving a Storm cluster of two hosts (2C clusters)' : '') +
  `, in-process on SQLite (core calls, no HTTP)`;
const callsCaption =
  `PUT = Changes.apply of one ensemble with a rollout; list = Fleet.listClusters just after its ` +
  `members reported (fresh) and once more (again); view = Fleet.clusterStatus of that ensemble`;
/** A time in ms as µs, one decimal. */
const micros = (msValue: number) => (msValue * 1000).toFixed(1);
const sizeCells = (c: number) => [String(c), String(PER_ENSEMBLE * c), String(SPAN * c)];
if (builds.length === 1) printOne(results.map(([c, [t]]) => [c, t!]));
else printAb(results);

/** The table of one build: each size's medians, against the first size's. */
function printOne(results: [number, Timings][]): void {
  const [firstSize, first] = results[0]!;
  const vsFirst = (v: number, base: number) => `${(v / base).toFixed(2)}x`;
  const perCluster = (v: number, c: number) => `${((v * 1000) / c).toFixed(1)}`;
  const rows = results.map(([c, t]) => [
    ...sizeCells(c),
    `${(t.setupMs / 1000).toFixed(2)} s`,
    ms(median(t.put)),
    vsFirst(median(t.put), median(first.put)),
    ms(median(t.listFresh)),
    perCluster(median(t.listFresh), PER_ENSEMBLE * c),
    ms(median(t.listAgain)),
    micros(median(t.view)),
    vsFirst(median(t.view), median(first.view)),
    ms(t.putWindows.reduce((sum, [from, to]) => sum + gcWithin(from, to), 0) / t.putWindows.length),
  ]);
  console.log(
    `${fleetCaption}; medians of ${ROUNDS} rounds after ${WARM_UP} warm-up rounds; baseline: the first ` +
      `size (${firstSize} ensembles) in this run. ${callsCaption}; PUT GC = V8's GC pauses begun ` +
      `within a PUT, mean per PUT`,
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
}

/** The A/B table: per size and call, both builds' medians and their ratio. */
function printAb(results: [number, Timings[]][]): void {
  const calls: [string, (t: Timings) => number[], ((v: number) => string)?][] = [
    ['PUT ms', (t) => t.put],
    ['list, fresh ms', (t) => t.listFresh],
    ['list, again ms', (t) => t.listAgain],
    ['view µs', (t) => t.view, micros],
  ];
  const rows = results.flatMap(([c, [base, next]]) =>
    calls.map(([call, of, format]) => [...sizeCells(c), call, ...abCells(of(base!), of(next!), format)]),
  );
  console.log(
    `${fleetCaption}; ${ROUNDS} rounds after ${WARM_UP} warm-up rounds. ${callsCaption}. The set-up ` +
      `is not compared: timed once per build, it takes whichever major GCs land in its steps (in an ` +
      `A/A at 1000 ensembles, 0.63-1.64x). ${abCaption(builds)}`,
  );
  console.log(table(['ensembles', 'clusters', 'hosts', 'call', ...AB_COLUMNS], rows));
}
