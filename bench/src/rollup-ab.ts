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
 * judged. Rounds of both builds side by side share whatever speed the machine has then, so their
 * per-round ratio is steady where the separate runs were not (2026-12-05: a change that halved
 * the roll-up measured 0.41-0.55 here in four runs, and anywhere from 0.6 to 1.6 in separate runs).
 *
 * The first round's listings are compared: if the two builds list the clusters differently, it
 * says so (the timing still stands, but it then times two different answers).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Core } from '../../control-plane/dist/core.js';
import { TEST_NOW } from '../../control-plane/dist/test-core.js';
import { parseBenchArgs, wholeNumberArg } from './cli-args.js';
import { buildBenchFleet, reportRunning } from './fleet/in-process.js';
import { median, ms, percentile, ratioInterval, table } from './fleet/stats.js';
import { cleanUpOnInterrupt } from './interrupt.js';

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
const THIS_CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `dir` as a built checkout's root; otherwise says which flag and why, then exits 2. */
function builtCheckout(flag: string, dir: string | undefined): string {
  if (dir === undefined) {
    console.error(`${flag} is required\n\n${USAGE}`);
    process.exit(2);
  }
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'control-plane/dist/test-core.js'))) {
    console.error(
      `${flag}: ${root} has no control-plane/dist/test-core.js (run pnpm build in it)\n\n${USAGE}`,
    );
    process.exit(2);
  }
  return root;
}

const builds = [
  { label: 'base', root: builtCheckout('--base', args.base) },
  { label: 'new', root: builtCheckout('--new', args.new ?? THIS_CHECKOUT) },
];

/** The temp dirs of the two stores: removed when done, or on Ctrl-C / SIGTERM. */
const workDirs: string[] = [];
cleanUpOnInterrupt(() => workDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Side {
  core: Core;
  hostIds: string[];
  close(): void;
}

/**
 * One build's core on its own store, with the bench fleet registered and reporting. The build's
 * modules are its own (imported from its dist); the fleet and reports are this bench's data.
 */
async function open(root: string, now: () => number): Promise<Side> {
  const url = (rel: string) => pathToFileURL(path.join(root, rel)).href;
  const { createTestCore } = (await import(
    url('control-plane/dist/test-core.js')
  )) as typeof import('../../control-plane/dist/test-core.js');
  const { SqliteStore } = (await import(
    url('control-plane/dist/store/sqlite-store.js')
  )) as typeof import('../../control-plane/dist/store/sqlite-store.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-rollup-'));
  workDirs.push(dir);
  const store = new SqliteStore(path.join(dir, 'state.db'));
  const core = createTestCore(store, { now, checkReplan: false });
  const { hostIds } = buildBenchFleet(core, MEMBERS);
  return {
    core,
    hostIds,
    close() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  let now = TEST_NOW;
  const sides: Side[] = [];
  for (const b of builds) sides.push(await open(b.root, () => now));
  const times: number[][] = sides.map(() => []);
  let differs: string | undefined;
  try {
    for (let round = 0; round < WARM_UP + ROUNDS; round++) {
      now += 1000;
      for (const s of sides) reportRunning(s.core, s.hostIds, now, 1000 + round);
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const listed: string[] = [];
      for (const i of order) {
        const t0 = performance.now();
        const list = sides[i]!.core.fleet.listClusters();
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
  const ratios = next.map((t, i) => t / base[i]!).sort((a, b) => a - b);
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
      (interval ? ` (90% interval ${interval.low.toFixed(3)}-${interval.high.toFixed(3)})` : '') +
      `; per round p25 / median / p75 ${[25, 50, 75].map((p) => percentile(ratios, p).toFixed(3)).join(' / ')}`,
  );
  if (differs) console.log(differs);
}

await main();
