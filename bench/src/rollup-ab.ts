/**
 * A fresh status roll-up of fleet-push's Storm cluster, timed on two builds of hactl in one
 * process: a change's effect on the roll-up, measured against its baseline in the same run.
 *
 *   node bench/dist/rollup-ab.js --base DIR [--new DIR] [--members 10000] [--rounds 30]
 *
 * `--base` and `--new` are hactl checkouts with `pnpm build` run (`--new` defaults to this one).
 * Each gets its own control-plane core on its own SQLite store in a temp dir, with the fleet of
 * fleet/in-process.ts: ZooKeeper on three hosts, a nimbus and a supervisor on every other host.
 * A round has every member of both fleets report a new pid (so no status view can be reused), then
 * times `Fleet.listClusters` on each: the first listing after a fleet-wide change rolls every
 * cluster up afresh, as the first `GET /v1/clusters` after a change does. The two builds take turns
 * going first; the first 3 rounds warm up and are left out.
 *
 * Why one process: on the machine this was written on, the same roll-up timed in two processes a
 * few minutes apart differed by up to 2x (the VM's speed moves), far more than the changes being
 * judged. Rounds of both builds side by side share whatever speed the machine has then, so the
 * ratio of their medians is steady where the separate runs were not (2026-12-05: a change that
 * halved the roll-up measured 0.41-0.55 here in four runs, and anywhere from 0.6 to 1.6 in
 * separate runs). It prints that ratio with a bootstrap interval (stats.ts ratioInterval), as
 * cluster-count.js and apply-cost.js do in A/B mode, and not the median of per-round ratios,
 * which A/A runs of one build against itself (2026-12-05) found biased.
 *
 * The first round's listings are compared: if the two builds list the clusters differently, it
 * says so (the timing still stands, but it then times two different answers).
 */
import type { Core } from '../../control-plane/dist/core.js';
import { parseBenchArgs, wholeNumberArg } from './cli-args.js';
import { checkoutsToTime, loadBuilds, openSides, openTempStore, turnOrder, type Build } from './fleet/ab.js';
import { buildBenchFleet, reportRunning } from './fleet/in-process.js';
import { median, ms, percentile, ratioInterval, table } from './fleet/stats.js';

const USAGE = `usage: node bench/dist/rollup-ab.js --base DIR [flags]

  --base DIR       a built hactl checkout to compare against (pnpm build run in it)
  --new DIR        the build under test (default: this checkout)
  --members N      hosts in the fleet, at least 5: ZooKeeper on three, a nimbus, supervisors on
                   the rest (default 10000)
  --rounds N       measured rounds, each build rolled up once per round (default 30)`;

const args = parseBenchArgs(
  {
    base: { type: 'string' },
    new: { type: 'string' },
    members: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '30' },
  },
  USAGE,
);
const MEMBERS = wholeNumberArg('--members', args.members, USAGE, 5);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const WARM_UP = 3;
const builds = await loadBuilds(checkoutsToTime(args, USAGE, true));

interface Side {
  core: Core;
  /** The timed calls, through this build's own call sites (ab.ts). */
  calls: Build['calls'];
  hostIds: string[];
  close(): void;
}

/**
 * One build's core on its own store, with the bench fleet registered and reporting. The build's
 * modules are its own (imported from its dist); the fleet and reports are this bench's data.
 */
function open(build: Build, now: () => number): Side {
  const { store, close } = openTempStore(build, 'hactl-bench-rollup-');
  const core = build.createTestCore(store, { now, checkReplan: false });
  const { hostIds } = buildBenchFleet(core, MEMBERS);
  return { core, calls: build.calls, hostIds, close };
}

async function main(): Promise<void> {
  let now = builds[0]!.TEST_NOW;
  const sides = await openSides(builds, 0, (b) => open(b, () => now));
  const times: number[][] = sides.map(() => []);
  let differs: string | undefined;
  try {
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      now += 1000;
      for (const s of sides) reportRunning(s.core, s.hostIds, now, 1000 + round);
      const listed: string[] = [];
      for (const i of turnOrder(round, sides.length)) {
        const t0 = performance.now();
        const list = sides[i]!.calls.listClusters(sides[i]!.core);
        const t1 = performance.now();
        if (round >= WARM_UP) times[i]!.push(t1 - t0);
        if (round === 0) listed[i] = JSON.stringify(list);
      }
      if (round === 0 && listed[0] !== listed[1])
        differs = `the builds list the clusters differently:\n  base ${listed[0]?.slice(0, 400)}\n  new  ${listed[1]?.slice(0, 400)}`;
    }
  } finally {
    for (const s of sides) s.close();
  }
  const [base, next] = times as [number[], number[]];
  const interval = ratioInterval(next, base);
  console.log(
    `A fresh roll-up of every cluster (Fleet.listClusters after every member reported a new pid), ` +
      `${MEMBERS} hosts, in-process on SQLite; ${ROUNDS} rounds after ${WARM_UP} warm-up rounds, ` +
      `the two builds taking turns; ms`,
  );
  const row = (label: string, root: string, t: number[]) => {
    const s = [...t].sort((a, b) => a - b);
    return [
      label,
      root,
      ms(percentile(s, 50)),
      ms(percentile(s, 25)),
      ms(percentile(s, 75)),
      ms(s[0] ?? NaN),
    ];
  };
  console.log(
    table(
      ['build', 'checkout', 'median', 'p25', 'p75', 'min'],
      [row('base', builds[0]!.root, base), row('new', builds[1]!.root, next)],
    ),
  );
  console.log(
    `new / base: ratio of medians ${(median(next) / median(base)).toFixed(3)}` +
      (interval ? ` (90% interval ${interval.low.toFixed(3)}-${interval.high.toFixed(3)})` : ''),
  );
  if (differs) console.log(differs);
}

await main();
