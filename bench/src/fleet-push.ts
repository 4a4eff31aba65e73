/**
 * Fleet scale on one machine, three processes: this orchestrator, the server under test (a real
 * control plane, or a bare grpc-js server as the floor) and N simulated agents (sim-agents.ts,
 * one gRPC channel per host). For each size and each --store it measures, in the same run:
 *
 * - fan-out: a spec change that touches every host (a Storm supervisor per host) → every agent has
 *   the new generation, against the bare server writing to as many streams each host's own desired
 *   state as hactl sent it (the ratio's floor; also shown: one message to every stream). The
 *   apply's synchronous part is split into `store` (validate, plan, stage, commit) and `push`
 *   (Fleet.pushChanges: encoding and writing every host's message), next to the bare server's
 *   write loop (`bare push`); the rest of a fan-out is the streams' flush and the agents' receipt.
 *   Each agent reports within 100 ms of a new state, and the next change waits until the control
 *   plane has handled that burst (300 ms without a report);
 * - status reports every --report-interval-ms from every agent: the agent's sentAt → handled
 *   (p50/p99/max), Fleet.recordStatus alone, event-loop delay p99/max in the control plane and in
 *   the simulated agents, and the control plane's GC pauses (major and minor: count, longest, total);
 * - GET /v1/clusters and GET /v1/clusters/storm-bench while the reports flow;
 * - the control plane's RSS with N agents connected.
 *
 * The bare server is measured once per size; its figures stand in every store's row of that size.
 * --store postgres runs the control plane alone on a PostgreSQL database (PgStore, the store of
 * replicas; one replica leads at once, and it is alone): one Debian PostgreSQL on 127.0.42.1:5432
 * (startTempPostgres; as root it runs as the postgres user) for the whole run, a fresh database
 * per size, stopped at the end, on failure too. --store sqlite is SQLite in a temp dir.
 *
 *   node bench/dist/fleet-push.js [--agents 1000,5000,10000] [--store sqlite,postgres]
 *     [--report-interval-ms 5000] [--rest-requests 50] [--reps 3] [--warmup 2]
 *     BENCH_DEBUG=1 prints progress, BENCH_CPU_PROF=DIR writes each process's CPU profile
 *
 * The first --warmup changes (and as many bare pushes) are timed and listed in the notes but left
 * out of the medians: the first passes over a new code path run before V8 has compiled it (the
 * first change took 2-3× the later ones, the bare server's first push 2×), and a control plane
 * runs for months. Both sides get the same number of warm-up rounds.
 */
import os from 'node:os';
import { parseBenchArgs } from './cli-args.js';
import { fileURLToPath } from 'node:url';
import { Child, fileLimits } from './fleet/ipc.js';
import { median, ms, summarize, table, type Summary } from './fleet/stats.js';
import { startTempPostgres, type TestPostgres } from '../../control-plane/dist/store/pg-testing.js';

const USAGE =
  'usage: node bench/dist/fleet-push.js [--agents 1000,5000,10000] [--store sqlite,postgres] ' +
  '[--report-interval-ms 5000] [--rest-requests 50] [--reps 3] [--warmup 2]   (BENCH_DEBUG=1 prints progress)';
const args = parseBenchArgs(
  {
    agents: { type: 'string', default: '1000' },
    store: { type: 'string', default: 'sqlite' },
    'report-interval-ms': { type: 'string', default: '5000' },
    'rest-requests': { type: 'string', default: '50' },
    reps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
  },
  USAGE,
);
const sizes = args.agents.split(',').map(Number);
const stores = args.store.split(',');
const unknownStores = stores.filter((s) => s !== 'sqlite' && s !== 'postgres');
if (unknownStores.length) {
  console.error(`--store: unknown ${unknownStores.join(', ')} (sqlite, postgres)\n\n${USAGE}`);
  process.exit(2);
}
/** Where the benchmark's PostgreSQL listens (a loopback address of its own, the default port). */
const PG_HOST = '127.0.42.1';
const PG_PORT = 5432;
const reportIntervalMs = Number(args['report-interval-ms']);
const restRequests = Number(args['rest-requests']);
const reps = Number(args.reps);
const warmup = Number(args.warmup);
for (const [flag, v, min] of [
  ['--reps', reps, 1],
  ['--warmup', warmup, 0],
] as const)
  if (!Number.isInteger(v) || v < min) {
    console.error(`${flag}: a whole number of at least ${min} expected\n\n${USAGE}`);
    process.exit(2);
  }
const script = (name: string) => fileURLToPath(new URL(`./fleet/${name}.js`, import.meta.url));
const debug = (msg: string) =>
  process.env.BENCH_DEBUG && console.error(`[${new Date().toISOString()}] ${msg}`);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Progress {
  registered: number;
  reconnects: number;
  failures: [string, number][];
  rssMb: number;
}
interface Wait {
  reached: number;
  of: number;
  at: number;
}
interface LoadStats {
  handled: Summary;
  endToEnd: Summary;
  eldP99: number;
  eldMax: number;
  rssMb: number;
  /** The control plane's major and minor GCs in the window: count, total and longest pause, ms. */
  gc: Record<'major' | 'minor', { n: number; totalMs: number; maxMs: number }>;
  /** The control plane lost its lease during the measurement (control-plane-host.ts). */
  leadLost: boolean;
}

interface Row {
  agents: number;
  store: string;
  registered: string;
  /** Medians: fan-out, and the apply's synchronous part split into store (stage + commit) and push. */
  hactl?: { fanOut: number; applyMs: number; storeMs: number; pushMs: number };
  /**
   * Medians: fan-out and the synchronous write loop, each host sent its own message; and the
   * fan-out of one message sent to every host (`oneFanOut`).
   */
  bare?: { fanOut: number; pushMs: number; oneFanOut: number; rssMb: number };
  reports?: LoadStats;
  duringRest?: LoadStats;
  list?: Summary;
  one?: Summary;
  /** Where the control plane lost its lead: the figures from there on include an election. */
  leadLost?: string;
  notes: string[];
}

/** Waits until every agent is welcomed with a desired state, or says how many never were, and why. */
async function register(sim: Child, n: number): Promise<{ ok: boolean; text: string }> {
  const t0 = performance.now();
  const deadline = t0 + 60_000 + n * 15;
  let p = await sim.call<Progress>('progress');
  while (p.registered < n && performance.now() < deadline) {
    await sleep(1000);
    p = await sim.call<Progress>('progress');
    debug(`registered ${p.registered}/${n}, ${p.reconnects} reconnects, simulator RSS ${p.rssMb} MB`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const why = p.failures.map(([reason, count]) => `${count}× ${reason}`).join('; ');
  if (p.registered < n)
    return {
      ok: false,
      text: `${p.registered}/${n} in ${secs} s; streams failed: ${why || 'none (no answer)'}`,
    };
  return {
    ok: true,
    text: `${n}/${n} in ${secs} s${p.reconnects ? ` (${p.reconnects} retries: ${why})` : ''}`,
  };
}

async function timed(url: string, token: string, count: number, budgetMs: number): Promise<Summary> {
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < count && performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** What the agents received from the control plane: agent 4's message, and every host's desired state. */
interface Received {
  sample: Record<string, unknown>;
  /** Host name → its last desired state (as decoded), what the bare server's push-each sends. */
  desired: Record<string, unknown>;
}

/** The control plane on `storeUrl` (undefined: SQLite); what the agents received from it. */
async function hactl(n: number, storeUrl: string | undefined, row: Row): Promise<Received | undefined> {
  const name = `hactl ${row.store} ${n}`;
  const server = new Child(script('control-plane-host'), n + 1024);
  const sim = new Child(script('sim-agents'), n + 1024);
  try {
    const { grpcPort, httpPort, token } = await server.call<{
      grpcPort: number;
      httpPort: number;
      token: string;
    }>('start', {
      agents: n,
      reportIntervalMs,
      store: storeUrl,
    });
    await sim.call('connect', { target: `127.0.0.1:${grpcPort}`, agents: n, reportIntervalMs });
    const reg = await register(sim, n);
    row.registered = reg.text;
    if (!reg.ok) return undefined;

    await sim.call('expect', { token: 1, from: 0, to: n });
    await server.call('apply-base');
    const base = await sim.call<Wait>('wait', { token: 1, timeoutMs: 300_000 });
    if (base.reached < base.of) throw new Error(`only ${base.reached}/${base.of} got the first spec`);
    const fanOut: number[] = [];
    const applyMs: number[] = [];
    const pushMs: number[] = [];
    const storeMs: number[] = [];
    const all: number[] = [];
    for (let r = 0; r < warmup + reps; r++) {
      const token = 10 + r;
      await sim.call('expect', { token, from: 4, to: n });
      const c = await server.call<{ t0: number; applyMs: number; pushMs: number }>('change', {
        timeoutSecs: r % 2 ? 30 : 60,
      });
      const w = await sim.call<Wait>('wait', { token, timeoutMs: 300_000 });
      if (w.reached < w.of) throw new Error(`change ${r}: only ${w.reached}/${w.of} got it`);
      all.push(w.at - c.t0);
      if (r >= warmup) {
        fanOut.push(w.at - c.t0);
        applyMs.push(c.applyMs);
        pushMs.push(c.pushMs);
        storeMs.push(c.applyMs - c.pushMs);
      }
      debug(`${name}: change ${r} reached all in ${ms(w.at - c.t0)} ms (apply ${ms(c.applyMs)} ms)`);
      const settled = await server.call<{ settled: boolean }>('settle', { quietMs: 300, timeoutMs: 30_000 });
      if (!settled.settled) row.notes.push(`change ${r}: reports still arriving 30 s later`);
    }
    row.hactl = {
      fanOut: median(fanOut),
      applyMs: median(applyMs),
      storeMs: median(storeMs),
      pushMs: median(pushMs),
    };
    row.notes.push(`hactl fan-out per change ms: ${rounds(all)}`);
    const after = await sim.call<Progress>('progress');
    if (after.reconnects)
      row.notes.push(
        `streams lost after registration: ${after.failures.map(([r, c]) => `${c}× ${r}`).join('; ')}`,
      );
    const sample = await sim.call<{ message: Record<string, unknown> }>('sample', { index: 4 });
    const received: Received = {
      sample: sample.message,
      desired: (await sim.call<{ desired: Record<string, unknown> }>('desired')).desired,
    };

    await sim.call('reports', { on: true });
    await sleep(reportIntervalMs * 1.5); // every agent on its own phase; Storm released once ZooKeeper is healthy
    await server.call('measure', { on: true });
    await sim.call('loop-delay', { on: true });
    await sleep(reportIntervalMs * 2);
    row.reports = await server.call<LoadStats>('measure', { on: false });
    const simReportsDelay = await sim.call<{ p99: number; max: number }>('loop-delay', { on: false });
    row.notes.push(
      `while reporting, event-loop delay p99/max ms: control plane ${ms(row.reports.eldP99)} / ` +
        `${ms(row.reports.eldMax)}, simulated agents ${ms(simReportsDelay.p99)} / ${ms(simReportsDelay.max)}; ` +
        gcNote(row.reports.gc),
    );
    debug(`${name}: reports ${JSON.stringify(row.reports)}`);
    if (row.reports.leadLost) {
      row.leadLost = 'the status reports';
      return received;
    }

    await server.call('measure', { on: true });
    await sim.call('loop-delay', { on: true });
    const base_ = `http://127.0.0.1:${httpPort}/v1/clusters`;
    row.list = await timed(base_, token, restRequests, 60_000);
    row.one = await timed(`${base_}/storm-bench`, token, restRequests, 60_000);
    row.duringRest = await server.call<LoadStats>('measure', { on: false });
    const simDelay = await sim.call<{ p99: number; max: number }>('loop-delay', { on: false });
    row.notes.push(
      `during REST, event-loop delay p99/max ms: control plane ${ms(row.duringRest.eldP99)} / ` +
        `${ms(row.duringRest.eldMax)}, simulated agents ${ms(simDelay.p99)} / ${ms(simDelay.max)}; ` +
        gcNote(row.duringRest.gc),
    );
    if (row.duringRest.leadLost) row.leadLost = 'the REST requests';
    if (row.list.n < restRequests || row.one.n < restRequests)
      row.notes.push(`REST: ${row.list.n} + ${row.one.n} requests within the 60 s budgets`);
    debug(`${name}: REST list ${JSON.stringify(row.list)} one ${JSON.stringify(row.one)}`);
    return received;
  } finally {
    await sim.stop();
    if (!server.exited)
      row.notes.push(...(await loggedNotes(server).catch((err: unknown) => [`logged: ${String(err)}`])));
    await server.stop();
  }
}

/** What the control plane logged at warn and error, one note per message, and its role changes. */
async function loggedNotes(server: Child): Promise<string[]> {
  const { logged, leadership } = await server.call<{
    logged: { key: string; count: number; first: object }[];
    leadership: object[];
  }>('logged');
  return [
    ...logged.map((l) => `control plane logged ${l.count}× ${l.key} (first: ${JSON.stringify(l.first)})`),
    ...leadership.map((l) => `control plane leadership changed: ${JSON.stringify(l)}`),
  ];
}

/** The control plane's GC pauses in a window: `control plane GC: 2 major (max 180, total 310 ms), 41 minor (...)`. */
function gcNote(gc: LoadStats['gc']): string {
  const one = (g: LoadStats['gc']['major'], what: string) =>
    `${g.n} ${what} (max ${ms(g.maxMs)}, total ${ms(g.totalMs)} ms)`;
  return `control plane GC: ${one(gc.major, 'major')}, ${one(gc.minor, 'minor')}`;
}

/** Each round's ms, the warm-up rounds marked: `(313, 144) 127, 124, 112`. */
function rounds(all: number[]): string {
  const warm = all.slice(0, warmup).map(ms).join(', ');
  const rest = all.slice(warmup).map(ms).join(', ');
  return warm ? `(${warm}) ${rest}` : rest;
}

/**
 * The bare server's fan-out and RSS at size `n`, written to every row of that size. Each round
 * pushes both ways, alternating: every host its own desired state as hactl sent it (the floor the
 * ratio is taken against: the same bytes to the same streams), and agent 4's message to every
 * host (one object serialized over and over, which stays in the CPU's caches).
 */
async function bare(n: number, received: Received, rows: Row[]): Promise<void> {
  const server = new Child(script('bare-host'), n + 1024);
  const sim = new Child(script('sim-agents'), n + 1024);
  try {
    const { grpcPort } = await server.call<{ grpcPort: number }>('start');
    await sim.call('connect', { target: `127.0.0.1:${grpcPort}`, agents: n, reportIntervalMs });
    const reg = await register(sim, n);
    if (!reg.ok) {
      for (const row of rows) row.notes.push(`bare: ${reg.text}`);
      return;
    }
    const loaded = await server.call<{ streams: number; missing: number }>('load', {
      desired: received.desired,
    });
    if (loaded.missing)
      throw new Error(`bare: ${loaded.missing}/${loaded.streams} streams have no desired state`);
    const sample = received.sample.desired as Record<string, unknown>;
    const each = { fanOut: [] as number[], pushMs: [] as number[], all: [] as number[] };
    const one = { fanOut: [] as number[], pushMs: [] as number[], all: [] as number[] };
    let generation = 2;
    for (let r = 0; r < warmup + reps; r++) {
      for (const [mode, into] of [
        ['each', each],
        ['one', one],
      ] as const) {
        const token = 10 + 2 * r + (mode === 'one' ? 1 : 0);
        await sim.call('expect', { token, from: 0, to: n });
        const p =
          mode === 'each'
            ? await server.call<{ t0: number; applyMs: number }>('push-each', { generation: generation++ })
            : await server.call<{ t0: number; applyMs: number }>('push', {
                message: { desired: { ...sample, generation: generation++ } },
              });
        const w = await sim.call<Wait>('wait', { token, timeoutMs: 300_000 });
        if (w.reached < w.of) throw new Error(`bare push ${r} (${mode}): only ${w.reached}/${w.of} got it`);
        into.all.push(w.at - p.t0);
        if (r >= warmup) {
          into.fanOut.push(w.at - p.t0);
          into.pushMs.push(p.applyMs);
        }
        debug(`bare ${n} (${mode}): push ${r} reached all in ${ms(w.at - p.t0)} ms`);
        await sleep(500);
      }
    }
    const { rssMb } = await server.call<{ rssMb: number }>('rss');
    for (const row of rows) {
      row.bare = {
        fanOut: median(each.fanOut),
        pushMs: median(each.pushMs),
        oneFanOut: median(one.fanOut),
        rssMb,
      };
      row.notes.push(`bare fan-out per push ms, each host its own message: ${rounds(each.all)}`);
      row.notes.push(`bare fan-out per push ms, one message to all: ${rounds(one.all)}`);
    }
  } finally {
    await sim.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const limits = fileLimits();
  const need = Math.max(...sizes) + 1024;
  if (limits.hard < need) {
    console.error(
      `each process holds a socket per agent: ${need} open files needed, the hard limit is ${limits.hard}; ` +
        `raise it (e.g. ulimit -Hn ${need} as root, or LimitNOFILE=) and run again`,
    );
    process.exit(2);
  }
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average at start: ${load()} (${os.cpus().length} cores)`);
  const rows: Row[] = [];
  let failed = false;
  const pg = stores.includes('postgres') ? await startTempPostgres(PG_HOST, PG_PORT) : undefined;
  // Interrupted, it stops PostgreSQL and removes its directory too (pg_ctl put the server in a
  // session of its own, so a terminal's Ctrl-C reaches only this process and its children).
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => void (pg?.stop() ?? Promise.resolve()).finally(() => process.exit(code)));
  try {
    for (const [i, n] of sizes.entries()) {
      const sized: Row[] = [];
      let received: Received | undefined;
      for (const store of stores) {
        const row: Row = { agents: n, store, registered: '', notes: [] };
        sized.push(row);
        const url = store === 'postgres' ? pgDatabase(pg, `fleet_push_${i}_${n}`) : undefined;
        // One store failing (a change that never reached every agent) still leaves the others' rows.
        const got = await hactl(n, url, row).catch((err: unknown) => {
          failed = true;
          row.notes.push(`failed: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
        received ??= got;
      }
      rows.push(...sized);
      if (received) await bare(n, received, sized);
    }
  } finally {
    debug('stopping PostgreSQL');
    await pg?.stop();
  }
  console.log(`load average at end: ${load()}\n`);
  const r2 = (s?: Summary) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : '-');
  const r3 = (s?: Summary) => (s ? `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}` : '-');
  console.log(
    table(
      [
        'agents',
        'store',
        'hactl fan-out ms',
        'bare grpc-js ms',
        'bare, one message ms',
        'ratio',
        'target',
        'apply (sync) ms',
        'store ms',
        'push ms',
        'bare push ms',
        'registered',
      ],
      rows.map((r) => [
        String(r.agents),
        r.store,
        r.hactl ? ms(r.hactl.fanOut) : '-',
        r.bare ? ms(r.bare.fanOut) : '-',
        r.bare ? ms(r.bare.oneFanOut) : '-',
        r.hactl && r.bare ? `${(r.hactl.fanOut / r.bare.fanOut).toFixed(2)}x` : '-',
        '1.5x',
        r.hactl ? ms(r.hactl.applyMs) : '-',
        r.hactl ? ms(r.hactl.storeMs) : '-',
        r.hactl ? ms(r.hactl.pushMs) : '-',
        r.bare ? ms(r.bare.pushMs) : '-',
        r.registered,
      ]),
    ),
  );
  console.log(
    `\nstatus reports every ${reportIntervalMs} ms per agent; ms as p50 / p99 / max; REST ms as p50 / p99`,
  );
  console.log(
    table(
      [
        'agents',
        'store',
        'reports',
        'sentAt → handled',
        'recordStatus',
        'loop delay p99/max',
        'GET /v1/clusters',
        'GET /v1/clusters/NAME',
        'sentAt → handled during REST',
        'CP RSS MB',
        'bare RSS MB',
      ],
      rows.map((r) => [
        String(r.agents),
        r.store,
        r.reports ? String(r.reports.endToEnd.n) : '-',
        r3(r.reports?.endToEnd),
        r3(r.reports?.handled),
        r.reports ? `${ms(r.reports.eldP99)} / ${ms(r.reports.eldMax)}` : '-',
        r2(r.list),
        r2(r.one),
        r3(r.duringRest?.endToEnd),
        r.reports ? String(r.reports.rssMb) : '-',
        r.bare ? String(r.bare.rssMb) : '-',
      ]),
    ),
  );
  for (const r of rows) {
    if (r.leadLost)
      console.log(
        `${r.agents} ${r.store}: the control plane lost its lead during ${r.leadLost}; ` +
          'those figures include the election, and later ones were not measured',
      );
    for (const note of r.notes) console.log(`${r.agents} ${r.store}: ${note}`);
  }
  if (failed || rows.some((r) => r.leadLost)) process.exitCode = 1;
}

function pgDatabase(pg: TestPostgres | undefined, name: string): string {
  if (!pg) throw new Error('PostgreSQL was not started');
  debug(`creating database ${name}`);
  return pg.createDatabase(name);
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
