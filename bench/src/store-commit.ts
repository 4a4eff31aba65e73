/**
 * What a change that touches every host costs the SQLite store, by page size: the control plane's
 * SqliteStore (WAL, synchronous=FULL, checkpoints on their own thread as the server runs it)
 * stores every host's new desired state in one transaction, as an apply does. Each page size gets
 * its own fresh database in this run, and they take turns round by round; 4 KiB is SQLite's default and the page size of databases
 * made before SQLITE_PAGE_SIZE (sqlite-store.ts). The first page size listed is the baseline the
 * others are compared with (4096 by default).
 *
 *   node bench/dist/store-commit.js [--hosts 10000] [--rounds 10] [--page-sizes 4096,16384]
 *     [--small-commits 500]
 *
 * Per round: `rows` is the time setHostDesired takes to write every row, `commit` the time from
 * there until the transaction has committed (the WAL write and its fsync; pages that no longer fit
 * SQLite's cache may already go to the WAL during `rows`); a small commit is one
 * event row in a transaction of its own, the size of most of the control plane's writes. Rows are
 * what the real planner makes for fleet-push's clusters (a Storm supervisor's desired state is
 * about 640 bytes), planned before each round's timer starts. The first two rounds warm up and
 * are left out of the medians.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  clusterSpecMap,
  hostDesiredJson,
  storm,
  zookeeper,
  type FleetContext,
  type HostRecord,
} from '@hactl/shared';
import { SqliteStore, isSqlitePageSize } from '../../control-plane/dist/store/sqlite-store.js';
import { planHostDesired } from '../../control-plane/dist/reconcile/plan-fleet.js';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import { median, ms, table } from './fleet/stats.js';
import { BENCH_ZOOKEEPER, benchStorm } from './fleet/specs.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const USAGE = `usage: node bench/dist/store-commit.js [flags]

  --hosts N            hosts whose desired state each round rewrites, 5 to 16777216: ZooKeeper on
                       three, a nimbus, supervisors on the rest (default 10000)
  --rounds N           measured rounds per page size, after 2 warm-up rounds (default 10)
  --page-sizes A,B     page sizes in bytes to compare, each a power of two from 512 to 65536;
                       the first is the baseline (default 4096,16384)
  --small-commits N    one-event transactions per page size (default 500)`;

const args = parseBenchArgs(
  {
    hosts: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '10' },
    'page-sizes': { type: 'string', default: '4096,16384' },
    'small-commits': { type: 'string', default: '500' },
  },
  USAGE,
);

const HOSTS = wholeNumberArg('--hosts', args.hosts, USAGE, 5, 16_777_216);
const ROUNDS = wholeNumberArg('--rounds', args.rounds, USAGE, 1);
const SMALL = wholeNumberArg('--small-commits', args['small-commits'], USAGE, 1);
const PAGE_SIZES = wholeNumberListArg('--page-sizes', args['page-sizes'], USAGE, 512, 65536).map((n) => {
  if (!isSqlitePageSize(n)) {
    console.error(`--page-sizes: ${n} is not a power of two from 512 to 65536\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
});
const WARM_UP = 2;

const hostRecords: HostRecord[] = Array.from({ length: HOSTS }, (_, i) => ({
  id: `host-${i}`,
  name: `b${i}`,
  // Three octets: unique for up to 16,777,216 hosts (two repeated after 65,536).
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  dataRoot: '/d',
  labels: {},
}));
/** fleet-push's clusters: ZooKeeper on the first three hosts, a nimbus, every other host a supervisor. */
const zkSpec = zookeeper.zookeeperSpecSchema.parse({ name: 'zk-bench', ...BENCH_ZOOKEEPER });
const fleet: FleetContext = { hosts: hostRecords, clusters: clusterSpecMap([zkSpec]) };
const zkPlans = zookeeper.planZookeeper(zkSpec, fleet);

/**
 * Every host's desired state as the control plane stores it, from the real planner (planStorm,
 * planHostDesired, hostDesiredJson), with the Storm setting `timeout` changed per round, as
 * fleet-push's change does: a supervisor's state is about 640 bytes.
 */
function desiredStates(timeout: number): Map<string, string> {
  const spec = storm.stormSpecSchema.parse({
    name: 'storm-bench',
    ...benchStorm(
      hostRecords.map((h) => h.name),
      timeout,
    ),
  });
  const byHost = planHostDesired(
    hostRecords.map((h) => h.id),
    [
      { name: zkSpec.name, plans: zkPlans },
      { name: spec.name, plans: storm.planStorm(spec, fleet) },
    ],
  );
  return new Map([...byHost].map(([id, state]) => [id, hostDesiredJson(state)]));
}

interface Result {
  pageSize: number;
  rowsMs: number;
  commitMs: number;
  smallUs: number;
  /** The database file and its WAL after the big rounds (before the small commits), in MiB. */
  fileMb: number;
}

/** One page size's database, open for the whole run. */
interface Db {
  pageSize: number;
  file: string;
  store: SqliteStore;
  rows: number[];
  commits: number[];
  small: number[];
  fileMb: number;
}

/** The run's temp dir: removed at the end, or on Ctrl-C / SIGTERM. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-store-'));
const dbs: Db[] = [];
let failed: string | undefined;
const cleanUp = () => {
  for (const db of dbs) db.store.close();
  dbs.length = 0;
  fs.rmSync(dir, { recursive: true, force: true });
};
cleanUpOnInterrupt(cleanUp);

/**
 * Every page size's database, measured round by round with the order rotating, so the machine's
 * drift in speed falls on all alike (measured one after another, the ratio depended on the order:
 * 0.64x one way and 0.82x the other at 2,000 hosts).
 */
async function measure(): Promise<Result[]> {
  for (const pageSize of PAGE_SIZES) {
    const file = path.join(dir, `state-${pageSize}.db`);
    const store = new SqliteStore(file, {
      pageSize,
      backgroundCheckpoints: { intervalMs: 1000, onFailure: (reason) => (failed = reason) },
    });
    dbs.push({ pageSize, file, store, rows: [], commits: [], small: [], fileMb: 0 });
    store.transaction(() => {
      for (const h of hostRecords)
        store.upsertHost({
          id: h.id,
          name: h.name,
          address: h.address,
          data_root: h.dataRoot,
          labels_json: '{}',
          facts_json: '{}',
          agent_version: 'bench',
          created_at: 0,
        });
    });
  }
  const turns = (round: number) => dbs.map((_, k) => dbs[(round + k) % dbs.length]!);
  for (let round = 0; round < WARM_UP + ROUNDS; round++) {
    const batch = [...desiredStates(30 + round)].map(([hostId, json]) => ({
      host_id: hostId,
      generation: round + 1,
      state_json: json,
      updated_at: round,
    }));
    for (const db of turns(round)) {
      let written = 0;
      const t0 = performance.now();
      db.store.transaction(() => {
        db.store.setHostDesired(batch);
        written = performance.now();
      });
      const t1 = performance.now();
      if (round >= WARM_UP) {
        db.rows.push(written - t0);
        db.commits.push(t1 - written);
      }
      // Between changes, as between applies: the checkpoint thread gets its turn.
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // The WAL too (checkpoints write it back into the database file only every second), before the
  // small commits, whose frames would otherwise be most of it.
  for (const db of dbs)
    db.fileMb =
      [db.file, `${db.file}-wal`].reduce(
        (sum, f) => sum + (fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0),
        0,
      ) /
      2 ** 20;
  for (let i = 0; i < SMALL; i++) {
    for (const db of turns(i)) {
      const t0 = performance.now();
      db.store.transaction(() =>
        db.store.appendEvent({
          at: i,
          type: 'cluster.revision',
          cluster: 'storm-bench',
          host: null,
          message: `revision ${i} accepted from bench`,
          data_json: JSON.stringify({ revision: i }),
        }),
      );
      db.small.push((performance.now() - t0) * 1000);
    }
  }
  if (failed) throw new Error(`the WAL checkpoint thread failed: ${failed}`);
  return dbs.map((db) => ({
    pageSize: db.pageSize,
    rowsMs: median(db.rows),
    commitMs: median(db.commits),
    smallUs: median(db.small),
    fileMb: db.fileMb,
  }));
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

let results: Result[];
try {
  results = await measure();
} finally {
  cleanUp();
}
const base = results[0]!;
console.log(
  `${HOSTS} hosts' desired states (about 640 bytes each) in one transaction; medians of ` +
    `${plural(ROUNDS, 'round')} and of ${plural(SMALL, 'small commit')}; ` +
    `page sizes taking turns per round; baseline: page size ${base.pageSize} (the first listed); ` +
    `time vs baseline below 1 is faster; database + WAL after the big rounds`,
);
console.log(
  table(
    [
      'page size',
      'rows ms',
      'commit ms',
      'rows + commit ms',
      'time vs baseline',
      'small commit µs',
      'database + WAL MiB',
    ],
    results.map((r) => [
      String(r.pageSize),
      ms(r.rowsMs),
      ms(r.commitMs),
      ms(r.rowsMs + r.commitMs),
      `${((r.rowsMs + r.commitMs) / (base.rowsMs + base.commitMs)).toFixed(2)}x`,
      ms(r.smallUs),
      r.fileMb.toFixed(1),
    ]),
  ),
);
