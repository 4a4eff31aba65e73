/**
 * What a change that touches every Storm host costs the control plane's core, in-process, by the
 * path it takes: fleet-push's default change calls Fleet.applyCluster (validate, plan, stage,
 * commit); an operator's `PUT /v1/clusters/NAME` calls Changes.apply, which also checks for a
 * running rollout and, in the same transaction, stores a rollout with one step per running member
 * that needs a restart, ordered from the cluster's health roll-up, and takes its first step once
 * the push has been written to the streams, after the call returns (`?rollout=false` stores none
 * and leaves those members restart pending). This bench times the
 * three in one process on a SQLite store in a temp dir, taking turns per round, so the difference
 * between fleet-push's default change and an operator's is a figure (`fleet-push.js --change put`
 * measures the PUT end to end, over HTTP).
 *
 *   node bench/dist/apply-cost.js [--hosts 1000,5000] [--rounds 20] [--base DIR [--new DIR]]
 *
 * The fleet is fleet-push's (fleet/specs.ts): ZooKeeper on three hosts, a Storm nimbus on the
 * fourth and a supervisor on every other host, each reporting its process running (so each is a
 * rollout step). A round flips `topology.message.timeout.secs`, which restarts every Storm member
 * (the nimbus and every supervisor). The rollout a round stores is aborted before the next round,
 * untimed (a new revision is refused while one runs). Time is wall-clock per call; GC is the mean
 * of V8's pauses within each call. The PUT's first step is timed on its own (`first step ms`:
 * the rollout engine's pass that requests it, after the push). Not in it: HTTP parsing and
 * answering, and the push to the agents' streams (the sessions here are stubs, and the outbox
 * writes them after the call). The first 3 rounds warm up and are left out; the three paths'
 * order rotates per round.
 *
 * With `--base DIR` it is an A/B (fleet/ab.ts): the build in DIR and this one (or `--new DIR`)
 * each get their own core and store at each size, each its own modules, and each path's call is
 * made on both builds in turn, alternating per round which goes first (the paths' order then
 * rotates every second round). The table then gives, per size and path (and the PUT's first
 * step), both builds' medians and their ratio new / base with its 90% bootstrap interval over
 * paired rounds, in place of the paths against Fleet.applyCluster; no GC column (one heap
 * serves both builds, so a pause cannot be put down to either).
 */
import type { Core } from '../../control-plane/dist/core.js';
import type { AppliedCluster } from '../../control-plane/dist/api/contract.js';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import {
  AB_COLUMNS,
  AB_OPTIONS,
  abCaption,
  abCells,
  abUsage,
  checkoutsToTime,
  loadBuilds,
  openSides,
  openTempStore,
  turnOrder,
  type Build,
} from './fleet/ab.js';
import { median, ms, percentile, table } from './fleet/stats.js';
import { watchGcPauses } from './fleet/gc-pauses.js';
import { benchStorm } from './fleet/specs.js';
import { BENCH_META, buildBenchFleet, reportRunning } from './fleet/in-process.js';

const USAGE = `usage: node bench/dist/apply-cost.js [flags]

  --hosts N[,N…]   fleet sizes, at least 5 each: ZooKeeper on three hosts, a nimbus, supervisors
                   on the rest (default 1000,5000)
  --rounds N       measured rounds per size, each path once per round (default 20)
${abUsage(19)}`;

const args = parseBenchArgs(
  {
    hosts: { type: 'string', default: '1000,5000' },
    rounds: { type: 'string', default: '20' },
    ...AB_OPTIONS,
  },
  USAGE,
);
const SIZES = wholeNumberListArg('--hosts', args.hosts, USAGE, 5);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const WARM_UP = 3;
/** This checkout alone, or with --base the two builds of an A/B. */
const builds = await loadBuilds(checkoutsToTime(args, USAGE));

/** The three paths, the first the baseline. */
const PATHS = ['Fleet.applyCluster', 'PUT ?rollout=false', 'PUT (rollout)'] as const;
type ApplyPath = (typeof PATHS)[number];

/** GC pause time that began within [from, to] (performance.now() ms). */
const gcWithin = watchGcPauses();

interface Timed {
  /** Each measured call's start and end (performance.now() ms). */
  windows: [number, number][];
  /** Steps of the last rollout stored. */
  steps: number;
  /** Each measured round's first rollout step (ms), taken after the push. */
  firstStep: number[];
}

/** One build's fleet on its own core and store, and what each path took on it. */
interface Side {
  core: Core;
  /** The timed calls, through this build's own call sites (ab.ts). */
  calls: Build['calls'];
  names: string[];
  hostIds: string[];
  /** ms of each pass of the rollout engine since the last call began. */
  tickMs: number[];
  out: Map<ApplyPath, Timed>;
  /** Why the store's WAL checkpoint thread failed, once it has. */
  failed?: string;
  close(): void;
}

/** `build`'s core on a store of its own, fleet-push's fleet of `hostCount` hosts set up and reporting. */
function open(build: Build, hostCount: number, now: () => number): Side {
  const { store, close } = openTempStore(build, 'hactl-bench-apply-', {
    backgroundCheckpoints: { intervalMs: 1000, onFailure: (reason) => (side.failed = reason) },
  });
  let nextId = 0;
  const core = build.createTestCore(store, { now, newId: () => `r${nextId++}`, checkReplan: false });
  const side: Side = {
    core,
    calls: build.calls,
    names: [],
    hostIds: [],
    tickMs: [],
    out: new Map(PATHS.map((p) => [p, { windows: [], steps: 0, firstStep: [] }])),
    close,
  };
  try {
    ({ names: side.names, hostIds: side.hostIds } = buildBenchFleet(core, hostCount));
    reportRunning(core, side.hostIds, now());
  } catch (err) {
    close();
    throw err;
  }
  // The apply takes its first step in a pass of the engine's once the push is written
  // (Changes.apply): timed here, where it runs.
  build.calls.timeRolloutPasses(core, (ms) => side.tickMs.push(ms));
  return side;
}

/**
 * One call of path `which` on one side at `now` (ms), the spec's message timeout `timeout`, and
 * what follows it untimed: the rollout it stored aborted, every member reporting again. Throws
 * when a PUT (rollout) stored no rollout or its first step was not taken once.
 */
async function playPath(
  side: Side,
  which: ApplyPath,
  round: number,
  timeout: number,
  now: number,
): Promise<void> {
  const { core, calls } = side;
  const spec = benchStorm(side.names, timeout);
  side.tickMs = [];
  const t0 = performance.now();
  let answer: Promise<AppliedCluster[]> | undefined;
  if (which === 'Fleet.applyCluster') calls.applyCluster(core, 'storm-bench', spec, BENCH_META);
  else
    answer = calls.applyChanges(core, [{ name: 'storm-bench', spec }], BENCH_META, {
      rollout: which === 'PUT (rollout)',
    });
  // The call's synchronous part: validated, stored, the push begun. Its answer (a rollout's
  // restart order) comes once the push is written and the first step taken, timed apart.
  const t1 = performance.now();
  const rollout = (await answer)?.[0]?.rollout;
  if (which === 'PUT (rollout)' && rollout === undefined)
    throw new Error('the PUT stored no rollout: the members are not seen running');
  const timed = side.out.get(which)!;
  if (rollout) {
    const steps = core.rollouts.view(rollout).steps;
    if (side.tickMs.length !== 1 || !steps.some((s) => s.state === 'requested'))
      throw new Error(
        `the PUT's first step was not taken once after the push (${side.tickMs.length} passes)`,
      );
    if (round >= WARM_UP) timed.firstStep.push(side.tickMs[0]!);
    timed.steps = steps.length;
    core.rollouts.abort(rollout);
  }
  // The members report again (the new generation, still running) and the event loop turns,
  // as between two operator changes; the call's GC entries have arrived after that.
  reportRunning(core, side.hostIds, now);
  await new Promise((r) => setImmediate(r));
  if (round >= WARM_UP) timed.windows.push([t0, t1]);
}

/**
 * Every build's timings by path at `hostCount` hosts, in build order; the `size`th size measured
 * (its builds set up in turn order too). Each path in turn, the order rotating per round, so drift
 * in the machine's speed falls on all three alike; each build in turn on each path's call, the
 * order rotating per round too. Throws when a store's WAL checkpoint thread failed.
 */
async function measure(hostCount: number, size: number): Promise<Map<ApplyPath, Timed>[]> {
  let now = builds[0]!.TEST_NOW;
  const sides = await openSides(builds, size, (b) => open(b, hostCount, () => now));
  try {
    let timeout = 30;
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      // In an A/B the paths' order holds for two rounds, in which the builds' order swaps: each
      // build then follows the other's same call as often as it goes first (a call pays part of
      // the garbage the call before it left). With one build it rotates every round.
      for (const p of turnOrder(Math.floor(round / sides.length), PATHS.length)) {
        timeout = timeout === 30 ? 60 : 30;
        now += 1000;
        for (const i of turnOrder(round, sides.length))
          await playPath(sides[i]!, PATHS[p]!, round, timeout, now);
      }
    }
    const failed = sides.find((s) => s.failed !== undefined)?.failed;
    if (failed) throw new Error(`the WAL checkpoint thread failed: ${failed}`);
    // GC entries are delivered when the event loop idles, some long after the call that paid them.
    await new Promise((r) => setTimeout(r, 100));
    return sides.map((s) => s.out);
  } finally {
    sides.forEach((s) => s.close());
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const took = (t: Timed) => t.windows.map(([from, to]) => to - from);
const results: [number, Map<ApplyPath, Timed>[]][] = [];
for (const [size, hosts] of SIZES.entries()) results.push([hosts, await measure(hosts, size)]);
const callsCaption =
  `A change of one Storm setting on every Storm member, in-process on SQLite (core calls: the PUT ` +
  `rows are Changes.apply, without HTTP)`;
if (builds.length === 1) printOne(results.map(([hosts, [out]]) => [hosts, out!]));
else printAb(results);

/** The table of one build: each size's paths against Fleet.applyCluster. */
function printOne(results: [number, Map<ApplyPath, Timed>][]): void {
  const rows: string[][] = [];
  for (const [hosts, result] of results) {
    const base = median(took(result.get(PATHS[0])!));
    for (const p of PATHS) {
      const t = result.get(p)!;
      rows.push([
        String(hosts),
        p,
        ms(median(took(t))),
        ms(
          percentile(
            took(t).sort((a, b) => a - b),
            90,
          ),
        ),
        `${(median(took(t)) / base).toFixed(2)}x`,
        ms(t.windows.reduce((sum, [from, to]) => sum + gcWithin(from, to), 0) / t.windows.length),
        p === 'PUT (rollout)' ? String(t.steps) : '-',
        p === 'PUT (rollout)' ? ms(median(t.firstStep)) : '-',
      ]);
    }
  }
  console.log(
    `${callsCaption}; medians of ${plural(ROUNDS, 'round')} after ${WARM_UP} warm-up ` +
      `rounds, the three paths taking turns; baseline: Fleet.applyCluster (fleet-push's default change); ` +
      `vs baseline below 1 is faster; p90 is the slowest round below 10 rounds`,
  );
  console.log(
    table(
      ['hosts', 'path', 'ms', 'p90 ms', 'vs baseline', 'GC ms (mean)', 'rollout steps', 'first step ms'],
      rows,
    ),
  );
}

/** The A/B table: per size and path (and the PUT's first step), both builds' medians and their ratio. */
function printAb(results: [number, Map<ApplyPath, Timed>[]][]): void {
  const rows: string[][] = [];
  for (const [hosts, [base, next]] of results) {
    for (const p of PATHS) {
      const [b, n] = [base!.get(p)!, next!.get(p)!];
      const steps = b.steps === n.steps ? String(b.steps) : `${b.steps} / ${n.steps}`;
      rows.push([String(hosts), p, ...abCells(took(b), took(n)), p === 'PUT (rollout)' ? steps : '-']);
      if (p === 'PUT (rollout)')
        rows.push([String(hosts), `${p}, first step`, ...abCells(b.firstStep, n.firstStep), '-']);
    }
  }
  console.log(
    `${callsCaption}; ${plural(ROUNDS, 'round')} after ${WARM_UP} warm-up rounds, the three paths ` +
      `taking turns; ms. rollout steps: the PUT's rollout's, base / new where they differ. ${abCaption(builds)}`,
  );
  console.log(table(['hosts', 'path', ...AB_COLUMNS, 'rollout steps'], rows));
}
