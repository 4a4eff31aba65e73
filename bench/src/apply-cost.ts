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
 *   node bench/dist/apply-cost.js [--hosts 1000,5000] [--rounds 20]
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
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestCore, TEST_NOW } from '../../control-plane/dist/test-core.js';
import { SqliteStore } from '../../control-plane/dist/store/sqlite-store.js';
import type { AppliedCluster } from '../../control-plane/dist/api/contract.js';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import { median, ms, percentile, table } from './fleet/stats.js';
import { watchGcPauses } from './fleet/gc-pauses.js';
import { benchStorm } from './fleet/specs.js';
import { BENCH_META, buildBenchFleet, reportRunning } from './fleet/in-process.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const USAGE = `usage: node bench/dist/apply-cost.js [flags]

  --hosts N[,N…]   fleet sizes, at least 5 each: ZooKeeper on three hosts, a nimbus, supervisors
                   on the rest (default 1000,5000)
  --rounds N       measured rounds per size, each path once per round (default 20)`;

const args = parseBenchArgs(
  { hosts: { type: 'string', default: '1000,5000' }, rounds: { type: 'string', default: '20' } },
  USAGE,
);
const SIZES = wholeNumberListArg('--hosts', args.hosts, USAGE, 5);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const WARM_UP = 3;

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

/** The temp dir of the size being measured: removed when done, or on Ctrl-C / SIGTERM. */
let workDir: string | undefined;
cleanUpOnInterrupt(() => workDir && fs.rmSync(workDir, { recursive: true, force: true }));

async function measure(hostCount: number): Promise<Map<ApplyPath, Timed>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-apply-'));
  workDir = dir;
  let failed: string | undefined;
  const store = new SqliteStore(path.join(dir, 'state.db'), {
    backgroundCheckpoints: { intervalMs: 1000, onFailure: (reason) => (failed = reason) },
  });
  try {
    let now = TEST_NOW;
    let nextId = 0;
    const core = createTestCore(store, { now: () => now, newId: () => `r${nextId++}`, checkReplan: false });
    const { names, hostIds } = buildBenchFleet(core, hostCount);
    reportRunning(core, hostIds, now);

    // The apply takes its first step in a pass of the engine's once the push is written
    // (Changes.apply): timed here, where it runs.
    const tick = core.rollouts.tick.bind(core.rollouts);
    let tickMs: number[] = [];
    core.rollouts.tick = () => {
      const t = performance.now();
      tick();
      tickMs.push(performance.now() - t);
    };
    const out = new Map<ApplyPath, Timed>(PATHS.map((p) => [p, { windows: [], steps: 0, firstStep: [] }]));
    let timeout = 30;
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      // Each path in turn, the order rotating per round, so drift in the machine's speed falls on
      // all three alike.
      for (let k = 0; k < PATHS.length; k++) {
        const which = PATHS[(round + k) % PATHS.length]!;
        timeout = timeout === 30 ? 60 : 30;
        const spec = benchStorm(names, timeout);
        now += 1000;
        tickMs = [];
        const t0 = performance.now();
        let answer: Promise<AppliedCluster[]> | undefined;
        if (which === 'Fleet.applyCluster') core.fleet.applyCluster('storm-bench', spec, BENCH_META);
        else
          answer = core.changes.apply([{ name: 'storm-bench', spec }], BENCH_META, {
            rollout: which === 'PUT (rollout)',
          });
        // The call's synchronous part: validated, stored, the push begun. Its answer (a rollout's
        // restart order) comes once the push is written and the first step taken, timed apart.
        const t1 = performance.now();
        const rollout = (await answer)?.[0]?.rollout;
        if (which === 'PUT (rollout)' && rollout === undefined)
          throw new Error('the PUT stored no rollout: the members are not seen running');
        const timed = out.get(which)!;
        if (rollout) {
          const steps = core.rollouts.view(rollout).steps;
          if (tickMs.length !== 1 || !steps.some((s) => s.state === 'requested'))
            throw new Error(
              `the PUT's first step was not taken once after the push (${tickMs.length} passes)`,
            );
          if (round >= WARM_UP) timed.firstStep.push(tickMs[0]!);
          timed.steps = steps.length;
          core.rollouts.abort(rollout);
        }
        // The members report again (the new generation, still running) and the event loop turns,
        // as between two operator changes; the call's GC entries have arrived after that.
        reportRunning(core, hostIds, now);
        await new Promise((r) => setImmediate(r));
        if (round >= WARM_UP) timed.windows.push([t0, t1]);
      }
    }
    if (failed) throw new Error(`the WAL checkpoint thread failed: ${failed}`);
    // GC entries are delivered when the event loop idles, some long after the call that paid them.
    await new Promise((r) => setTimeout(r, 100));
    return out;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    workDir = undefined;
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const rows: string[][] = [];
for (const hosts of SIZES) {
  const result = await measure(hosts);
  const base = median(result.get(PATHS[0])!.windows.map(([from, to]) => to - from));
  for (const p of PATHS) {
    const t = result.get(p)!;
    const took = t.windows.map(([from, to]) => to - from);
    rows.push([
      String(hosts),
      p,
      ms(median(took)),
      ms(
        percentile(
          [...took].sort((a, b) => a - b),
          90,
        ),
      ),
      `${(median(took) / base).toFixed(2)}x`,
      ms(t.windows.reduce((sum, [from, to]) => sum + gcWithin(from, to), 0) / t.windows.length),
      p === 'PUT (rollout)' ? String(t.steps) : '-',
      p === 'PUT (rollout)' ? ms(median(t.firstStep)) : '-',
    ]);
  }
}
console.log(
  `A change of one Storm setting on every Storm member, in-process on SQLite (core calls: the PUT rows ` +
    `are Changes.apply, without HTTP); medians of ${plural(ROUNDS, 'round')} after ${WARM_UP} warm-up ` +
    `rounds, the three paths taking turns; baseline: Fleet.applyCluster (fleet-push's default change); ` +
    `vs baseline below 1 is faster; p90 is the slowest round below 10 rounds`,
);
console.log(
  table(
    ['hosts', 'path', 'ms', 'p90 ms', 'vs baseline', 'GC ms (mean)', 'rollout steps', 'first step ms'],
    rows,
  ),
);
