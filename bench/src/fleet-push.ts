/**
 * Fleet scale on one machine, three processes: this orchestrator, the server under test (a real
 * control plane, or a bare grpc-js server as the floor) and N simulated agents (sim-agents.ts,
 * one gRPC channel per host). For each size and each --store it measures, in the same run:
 *
 * - fan-out: a spec change that touches every host (a Storm supervisor per host) → every agent has
 *   the new generation, against the bare server writing to as many streams each host's own desired
 *   state as hactl sent it (the ratio's floor; also shown: one message to every stream). The
 *   apply's synchronous part is split into `store` (validate, plan, stage, commit) and `push`
 *   (Fleet.pushChanges: queueing every host's message and writing the first slice of them; the
 *   other slices are written in later event-loop turns, reconcile/outbox.ts), next to the bare
 *   server's write loop (`bare push`, every stream in one turn); the rest of a fan-out is the
 *   later slices, the streams' flush and the agents' receipt. The control plane's GC pauses that
 *   began within each fan-out are in the notes, and so are the medians of the synchronous part
 *   and of the rest (until the last host has the state) on each side, the per-round ratios'
 *   quartiles, the control plane's synchronous part split into time on a core and waiting for
 *   one (Linux schedstat of its event loop), each process's time on a core within a fan-out (all
 *   threads, and the main thread: what shared the two cores meanwhile) and the simulated agents'
 *   longest loop delay in each fan-out (BENCH_DEBUG prints
 *   when 0/10/25/50/75/90 % of hosts had it). Each agent reports within 100 ms of a new state,
 *   and the next change waits until the control plane has handled that burst (300 ms without a
 *   report);
 * - status reports every --report-interval-ms from every agent: the agent's sentAt → handled
 *   (p50/p99/max), Fleet.recordStatus alone, event-loop delay p99/max in the control plane and in
 *   the simulated agents, and both processes' GC pauses (major and minor: count, longest, total): a
 *   report stamped just before a stall of the simulator's loop is written after it, so a p99 over
 *   the target next to a long simulator stall is not the control plane's (its GC pauses say whether
 *   the stall was a collection). Most such stalls were the simulator writing a burst of reports
 *   in one macrotask; it now writes them in slices (sim-agents.ts sendDue);
 * - GET /v1/clusters and GET /v1/clusters/storm-bench while the reports flow (the notes show
 *   each one's first request apart: the first status read after the fleet's last change rolls
 *   every cluster up, and a few dozen requests' p99 is about their slowest);
 * - the control plane's RSS with N agents connected.
 *
 * The control plane's changes and the bare server's pushes take turns, both servers and both sets of
 * simulated agents up at once, the order within a round alternating: on this 2-core machine the
 * bare server's floor moved 2× between runs minutes apart, so the two sides of a ratio are
 * measured in the same minutes. The bare server of a size is started by its first store (with
 * what that control plane sent) and serves every store of the size.
 * --store postgres runs the control plane alone on a PostgreSQL database (PgStore, the store of
 * replicas; one replica leads at once, and it is alone): one Debian PostgreSQL on 127.0.42.1:5432
 * (startTempPostgres; as root it runs as the postgres user) for the whole run, a fresh database
 * per size, stopped at the end, on failure too. --store sqlite is SQLite in a temp dir.
 *
 *   node bench/dist/fleet-push.js [--agents 1000,5000,10000] [--store sqlite,postgres]
 *     [--report-interval-ms 5000] [--rest-requests 50] [--reps 7] [--warmup 2] [--pin 0:1]
 *     BENCH_DEBUG=1 prints progress, BENCH_CPU_PROF=DIR writes each process's CPU profile
 *
 * --pin SERVER_CPUS:AGENT_CPUS runs the server under test (control plane or bare) on the first
 * CPUs and the simulated agents on the second (taskset -c lists, every thread of each process).
 * It is for telling apart what slows whom: every report stamped just before a stall of the
 * simulated agents' loop counts that stall in sentAt → handled. Pinning did not remove those
 * stalls (2026-12-03: 27 and 521 ms in two pinned runs at 10,000 agents): they were the
 * simulator's own report bursts, written in slices since (sim-agents.ts sendDue). Without it both
 * sides share every CPU.
 *
 * The first --warmup changes (and as many bare pushes) are timed and listed in the notes but left
 * out of the medians: the first passes over a new code path run before V8 has compiled it (the
 * first change took 2-3× the later ones, the bare server's first push 2×), and a control plane
 * runs for months. Both sides get the same number of warm-up rounds.
 */
import os from 'node:os';
import { parseBenchArgs, wholeNumberArg, wholeNumberListArg } from './cli-args.js';
import { fileURLToPath } from 'node:url';
import { Child, fileLimits, monoNow } from './fleet/ipc.js';
import { benchStorm } from './fleet/specs.js';
import { CpuWatch, type OnCore, type Schedstat } from './fleet/cpu-time.js';
import { cleanUpOnInterrupt } from './interrupt.js';
import { attributeStalls, describeStalls, type Span, type Stall, type Watched } from './fleet/stalls.js';
import {
  gcSummary,
  gcText,
  median,
  ms,
  percentile,
  ARRIVAL_PERCENTILES,
  ratioInterval,
  summarize,
  table,
  verdict,
  type GcPause,
  type GcSummary,
  type RatioInterval,
  type Summary,
} from './fleet/stats.js';
import { startTempPostgres, type TestPostgres } from '../../control-plane/dist/store/pg-testing.js';

/** Architecture §9: a change reaches every agent within 1.5× the bare grpc-js floor. */
const TARGET = 1.5;

const USAGE = `usage: node bench/dist/fleet-push.js [flags]

  --agents N[,N…]           simulated agents per size (1 to 64000, each listed once), one size
                            after another (default 1000)
  --store sqlite[,postgres] the control plane's store; postgres starts a Debian PostgreSQL on
                            127.0.42.1:5432 for the run (default sqlite)
  --reps N                  measured rounds per size: a change on the control plane and a bare
                            push of each kind, taking turns (default 7; the 90% interval needs 5)
  --warmup N                rounds before those, timed and listed in brackets in the notes but
                            left out of the medians, on both sides (default 2)
  --report-interval-ms MS   each agent's status report period in the reporting window (default 5000)
  --rest-requests N         GET /v1/clusters and GET /v1/clusters/NAME requests each (default 50)
  --pin SERVER:AGENTS       taskset -c CPU lists for the server under test and the simulated
                            agents (e.g. 0:1); unpinned, all share every CPU
  --change apply|put        how the control plane's change is made: apply calls Fleet.applyCluster
                            in its process (no rollout); put sends PUT /v1/clusters/storm-bench as
                            an operator does, which also stores a rollout of every Storm member
                            (aborted after each round, untimed) (default apply)
  --hold-reports            in the control plane's rounds the simulated agents hold the report each
                            agent makes 100 ms after a change until every host has the change: one
                            process writing thousands of reports while later hosts still receive
                            is a cost real agents pay on their own machines; the control plane then
                            handles them after the fan-out, so the truth lies between the two runs

  BENCH_DEBUG=1             progress on stderr, with when 0/10/25/50/75/90 % of hosts had each change
  BENCH_CPU_PROF=DIR        each process writes a V8 CPU profile into DIR when it exits

The table's "ratio of medians" is the median hactl fan-out over the median bare fan-out (each host its own
message); the notes give each round's ratio and their quartiles. "90% interval" is a bootstrap
interval of that ratio over the paired rounds (at least 5 measured rounds); "vs 1.5x target" is met
when the whole interval is at or under 1.5x, missed when it is wholly over, and unsettled when it
straddles 1.5x (more --reps may settle it).`;
const args = parseBenchArgs(
  {
    agents: { type: 'string', default: '1000' },
    store: { type: 'string', default: 'sqlite' },
    'report-interval-ms': { type: 'string', default: '5000' },
    'rest-requests': { type: 'string', default: '50' },
    reps: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '2' },
    pin: { type: 'string' },
    change: { type: 'string', default: 'apply' },
    'hold-reports': { type: 'boolean', default: false },
  },
  USAGE,
);
/**
 * `--hold-reports`: the simulated agents write their post-change reports once every host has the
 * change, not 100 ms after their own receipt (sim-agents.ts `hold`).
 */
const holdReports = args['hold-reports'] === true;
if (args.change !== 'apply' && args.change !== 'put') {
  console.error(`--change: apply or put expected, not ${JSON.stringify(args.change)}\n\n${USAGE}`);
  process.exit(2);
}
/** PUT over the control plane's REST API, as an operator's change; or Fleet.applyCluster in its process. */
const viaPut = args.change === 'put';
/** `--pin 0:1`: the servers (control plane, bare) on CPUs `0`, the simulated agents on `1` (taskset lists). */
const pin = args.pin?.match(/^([0-9][0-9,-]*):([0-9][0-9,-]*)$/);
if (args.pin !== undefined && !pin) {
  console.error(`--pin: SERVER_CPUS:AGENT_CPUS expected, as taskset -c lists (e.g. 0:1)\n\n${USAGE}`);
  process.exit(2);
}
// sim-agents.ts addressOf gives 64,000 distinct loopback addresses (127.1.0.1 … 127.1.255.250).
const sizes = wholeNumberListArg('--agents', args.agents, USAGE, 1, 64_000);
const stores = args.store.split(',');
const unknownStores = stores.filter((s) => s !== 'sqlite' && s !== 'postgres');
if (unknownStores.length) {
  console.error(`--store: unknown ${unknownStores.join(', ')} (sqlite, postgres)\n\n${USAGE}`);
  process.exit(2);
}
/** Where the benchmark's PostgreSQL listens (a loopback address of its own, the default port). */
const PG_HOST = '127.0.42.1';
const PG_PORT = 5432;
const reportIntervalMs = wholeNumberArg('--report-interval-ms', args['report-interval-ms'], USAGE, 100);
const restRequests = wholeNumberArg('--rest-requests', args['rest-requests'], USAGE, 1);
const reps = wholeNumberArg('--reps', args.reps, USAGE, 1);
const warmup = wholeNumberArg('--warmup', args.warmup, USAGE, 0);
/** The processes whose time on a core each fan-out reports (servers, simulated agents, this one). */
const cpuWatch = new CpuWatch();
cpuWatch.watch('orchestrator', process.pid);
const script = (name: string) => fileURLToPath(new URL(`./fleet/${name}.js`, import.meta.url));
const debug = (msg: string) =>
  process.env.BENCH_DEBUG && console.error(`[${new Date().toISOString()}] ${msg}`);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

interface Progress {
  registered: number;
  reconnects: number;
  failures: [string, number][];
  rssMb: number;
  /** Post-change reports held (--hold-reports) and written once every host had the change; still held. */
  released: number;
  held: number;
}
interface Wait {
  reached: number;
  of: number;
  /** The last host's receipt (ipc.ts monoNow, ms). */
  at: number;
  /** Receipt times (ipc.ts monoNow, ms) at each of ARRIVAL_PERCENTILES of hosts. */
  arrivals: number[];
  /** The simulated agents' longest event-loop delay while they waited (ms): a stall there delays receipt. */
  stallMs: number;
}
interface LoadStats {
  handled: Summary;
  endToEnd: Summary;
  eldP99: number;
  eldMax: number;
  rssMb: number;
  /** The control plane's major and minor GCs in the window: count, total and longest pause, ms. */
  gc: GcSummary;
  /** The control plane lost its lease during the measurement (control-plane-host.ts). */
  leadLost: boolean;
  /** Its event loop's longest stalls over 50 ms, with what ran in each (stalls.ts). */
  stalls: Stall[];
  /** Its stalls over 50 ms and GC pauses, to tell the simulator's stalls with. */
  busy: Span[];
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
  /** The ratio of medians' 90 % bootstrap interval over the paired rounds (none below 5 rounds). */
  interval?: RatioInterval;
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

/** REST timings: all requests, and the first one apart from the others (see measureLoad). */
interface RestTimes extends Summary {
  first: number;
  /** The requests after the first. */
  later: Summary;
}

async function timed(url: string, token: string, count: number, budgetMs: number): Promise<RestTimes> {
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < count && performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    times.push(performance.now() - t0);
  }
  return { ...summarize(times), first: times[0] ?? NaN, later: summarize(times.slice(1)) };
}

/** What the agents received from the control plane: agent 4's message, and every host's desired state. */
interface Received {
  sample: Record<string, unknown>;
  /** Host name → its last desired state (as decoded), what the bare server's push-each sends. */
  desired: Record<string, unknown>;
}

/** A server under test and its simulated agents, both running. */
interface Side {
  server: Child;
  sim: Child;
}

/** One round's fan-out (ms, PUT or push → the last agent has it) and its synchronous parts. */
interface Round {
  fanOut: number;
  /** The server's synchronous part: hactl's apply (store and first slice), the bare server's write loop. */
  applyMs: number;
  pushMs: number;
  /** A PUT's answer (ms from t0): after the push was written and the rollout's first step taken. */
  answerMs?: number;
  /** The simulated agents' longest event-loop delay during the fan-out. */
  simStallMs: number;
  /** The control plane's GC pauses that began within the fan-out (hactl rounds only). */
  gc?: GcSummary;
  /**
   * hactl rounds on Linux: the control plane's event loop from the change's start to its push
   * call's return, on a core and waiting for one (the machine's other processes had both cores).
   */
  syncSched?: Schedstat;
  /** Each process's time on a core from the change's start until the last host had it (ms, Linux). */
  cpuMs?: Record<string, OnCore>;
}

/** `arrivals at 0/10/25/50/75/90 % of hosts A B C D E F ms, simulator stall S ms`, from `t0`. */
function arrivalText(w: Wait, t0: number): string {
  return (
    `arrivals at ${ARRIVAL_PERCENTILES.join('/')} % of hosts ${w.arrivals.map((a) => ms(a - t0)).join(' ')} ms, ` +
    `simulator stall ${ms(w.stallMs)} ms`
  );
}

/** Stops a side's processes, the agents first (a server going first would see them all reconnect). */
async function stopSide(side: Side): Promise<void> {
  await side.sim.stop();
  await side.server.stop();
}

/**
 * A server (`serverScript`, started by `start`, which returns its gRPC port) and `n` simulated
 * agents connected to it; `side` is undefined (both processes stopped) when not every agent was
 * welcomed, and `reg` says why. A failure stops both processes.
 */
async function startSide(
  serverScript: string,
  n: number,
  start: (server: Child) => Promise<number>,
): Promise<{ side?: Side; reg: { ok: boolean; text: string } }> {
  const side = {
    server: new Child(script(serverScript), n + 1024, pin?.[1]),
    sim: new Child(script('sim-agents'), n + 1024, pin?.[2]),
  };
  try {
    const grpcPort = await start(side.server);
    await side.sim.call('connect', { target: `127.0.0.1:${grpcPort}`, agents: n, reportIntervalMs });
    const reg = await register(side.sim, n);
    if (reg.ok) return { side, reg };
    await stopSide(side);
    return { reg };
  } catch (err) {
    await stopSide(side);
    throw err;
  }
}

/**
 * The control plane on `storeUrl` (undefined: SQLite) with `n` agents registered and the base specs
 * applied; undefined (and `row.registered` says why) when not every agent was welcomed.
 */
async function startHactl(n: number, storeUrl: string | undefined, row: Row): Promise<HactlSide | undefined> {
  let rest = { httpPort: 0, token: '' };
  const { side, reg } = await startSide('control-plane-host', n, async (server) => {
    const started = await server.call<{ grpcPort: number; httpPort: number; token: string }>('start', {
      agents: n,
      reportIntervalMs,
      store: storeUrl,
    });
    rest = { httpPort: started.httpPort, token: started.token };
    return started.grpcPort;
  });
  row.registered = reg.text;
  if (!side) return undefined;
  try {
    await side.sim.call('expect', { token: 1, from: 0, to: n });
    await side.server.call('apply-base');
    const base = await side.sim.call<Wait>('wait', { token: 1, timeoutMs: 300_000 });
    if (base.reached < base.of) throw new Error(`only ${base.reached}/${base.of} got the first spec`);
    // The first change's rollout covers the members seen running: each agent reports within 100 ms
    // of the first spec, and the first change waits until the control plane has handled them.
    const settled = await side.server.call<{ settled: boolean }>('settle', {
      quietMs: 300,
      timeoutMs: 30_000,
    });
    if (!settled.settled) throw new Error('the reports after the first spec were still arriving 30 s later');
    return { ...side, ...rest };
  } catch (err) {
    await stopSide(side);
    throw err;
  }
}

/** The control plane's side of a size, with its REST endpoint and admin token. */
type HactlSide = Side & { httpPort: number; token: string };

/** A REST call to the control plane as its admin; throws unless it answers 2xx. */
async function rest(side: HactlSide, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${side.httpPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${side.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/**
 * The change as an operator makes it: PUT /v1/clusters/storm-bench from this process. `answerMs`
 * is until the answer arrived: the control plane answers once the push is written and the
 * rollout's first step taken (Changes.apply); the round's synchronous part is read from the
 * control plane (`settle`'s pushEndAt), as for Fleet.applyCluster.
 */
async function putChange(
  side: HactlSide,
  n: number,
  timeoutSecs: number,
): Promise<{ t0: number; answerMs: number; rollout?: string }> {
  const spec = {
    name: 'storm-bench',
    ...benchStorm(
      Array.from({ length: n }, (_, i) => `b${i}`),
      timeoutSecs,
    ),
  };
  await side.server.call('before-put');
  const t0 = monoNow();
  const answer = (await rest(side, 'PUT', '/v1/clusters/storm-bench', spec)) as { rollout?: string };
  const answerMs = monoNow() - t0;
  if (!answer.rollout)
    throw new Error(
      `the PUT started no rollout (are the supervisors seen running?); it answered ${JSON.stringify(answer).slice(0, 300)}`,
    );
  return { t0, answerMs, rollout: answer.rollout };
}

/** Change `r` on the control plane: the Storm cluster's timeout setting flips, every host gets it. */
async function hactlRound(side: HactlSide, n: number, r: number, row: Row): Promise<Round> {
  const token = 10 + r;
  await side.sim.call('expect', { token, from: 4, to: n, hold: holdReports });
  const timeoutSecs = r % 2 ? 30 : 60;
  const cpu0 = cpuWatch.read();
  const change: Promise<{ t0: number; answerMs?: number; rollout?: string }> = viaPut
    ? putChange(side, n, timeoutSecs)
    : side.server.call<{ t0: number }>('change', { timeoutSecs });
  // Awaited beside the change's answer (a PUT answers after its rollout's first step, which may
  // come after the last host has the state), so the time on a core is read when the last host has
  // it. A change that fails throws from `change` first; this wait's outcome is then not reported.
  const waited = side.sim
    .call<Wait>('wait', { token, timeoutMs: 300_000 })
    .then((w) => ({ w, cpuMs: cpuWatch.since(cpu0) }));
  void waited.catch(() => undefined);
  const c = await change;
  const { w, cpuMs } = await waited;
  if (w.reached < w.of) throw new Error(`change ${r}: only ${w.reached}/${w.of} got it`);
  // Each change makes every agent report; the next round is not measured against that burst.
  const settled = await side.server.call<{
    settled: boolean;
    gcs: GcPause[];
    pushMs: number;
    pushEndAt: number;
    syncSched?: Schedstat;
  }>('settle', { quietMs: 300, timeoutMs: 30_000 });
  if (!settled.settled) row.notes.push(`change ${r}: reports still arriving 30 s later`);
  // The synchronous part ends when the control plane's push call returned, on either path (a
  // PUT's answer comes later: putChange).
  const applyMs = settled.pushEndAt - c.t0;
  const answered = c.answerMs === undefined ? '' : `, answered in ${ms(c.answerMs)} ms`;
  debug(
    `hactl ${n}: change ${r} reached all in ${ms(w.at - c.t0)} ms (apply ${ms(applyMs)} ms${answered}), ` +
      `${arrivalText(w, c.t0)}`,
  );
  // The next PUT would be refused while this one's rollout runs (the simulated agents do not
  // restart): aborted, outside the timings.
  if (c.rollout) await rest(side, 'POST', `/v1/rollouts/${c.rollout}/abort`);
  return {
    fanOut: w.at - c.t0,
    applyMs,
    pushMs: settled.pushMs,
    ...(c.answerMs === undefined ? {} : { answerMs: c.answerMs }),
    simStallMs: w.stallMs,
    ...(settled.syncSched ? { syncSched: settled.syncSched } : {}),
    cpuMs,
    gc: gcSummary(settled.gcs.filter((g) => g.at <= w.at)),
  };
}

/** The bare server of one size: up beside the control plane, so their rounds take turns. */
interface Bare extends Side {
  received: Received;
  generation: number;
}

/** The bare server with `n` agents, each host's desired state loaded as hactl sent it. */
async function startBare(n: number, received: Received): Promise<Bare | string> {
  const { side, reg } = await startSide(
    'bare-host',
    n,
    async (server) => (await server.call<{ grpcPort: number }>('start')).grpcPort,
  );
  if (!side) return `bare: ${reg.text}`;
  try {
    const loaded = await side.server.call<{ streams: number; missing: number }>('load', {
      desired: received.desired,
    });
    if (loaded.missing)
      throw new Error(`bare: ${loaded.missing}/${loaded.streams} streams have no desired state`);
    return { ...side, received, generation: 2 };
  } catch (err) {
    await stopSide(side);
    throw err;
  }
}

/**
 * One bare push to every stream: each host its own desired state as hactl sent it (`each`, the
 * floor the ratio is taken against: the same bytes to the same streams), or agent 4's message to
 * every host (`one`: one object serialized over and over, which stays in the CPU's caches).
 */
async function bareRound(bare: Bare, n: number, mode: 'each' | 'one'): Promise<Round> {
  const generation = bare.generation++;
  const token = 10 + generation;
  await bare.sim.call('expect', { token, from: 0, to: n });
  const sample = bare.received.sample.desired as Record<string, unknown>;
  const cpu0 = cpuWatch.read();
  const p =
    mode === 'each'
      ? await bare.server.call<{ t0: number; applyMs: number }>('push-each', { generation })
      : await bare.server.call<{ t0: number; applyMs: number }>('push', {
          message: { desired: { ...sample, generation } },
        });
  const w = await bare.sim.call<Wait>('wait', { token, timeoutMs: 300_000 });
  const cpuMs = cpuWatch.since(cpu0);
  if (w.reached < w.of)
    throw new Error(`bare push ${generation} (${mode}): only ${w.reached}/${w.of} got it`);
  debug(
    `bare ${n} (${mode}): push ${generation} reached all in ${ms(w.at - p.t0)} ms ` +
      `(push ${ms(p.applyMs)} ms), ${arrivalText(w, p.t0)}`,
  );
  // The agents report after a new state too; the bare server reads and drops them, and the next
  // round (hactl's, half the time) waits until it has, as hactl's rounds wait for the control
  // plane (a fixed 500 ms here left the bare server decoding that burst into hactl's next change).
  const settled = await bare.server.call<{ settled: boolean }>('settle', { quietMs: 300, timeoutMs: 30_000 });
  if (!settled.settled)
    throw new Error(`bare push ${generation} (${mode}): reports still arriving 30 s later`);
  return { fanOut: w.at - p.t0, applyMs: p.applyMs, pushMs: p.applyMs, simStallMs: w.stallMs, cpuMs };
}

/** What the agents of `side` last received: agent 4's message, and every host's desired state. */
async function receivedBy(side: Side): Promise<Received> {
  const sample = await side.sim.call<{ message: Record<string, unknown> }>('sample', { index: 4 });
  const { desired } = await side.sim.call<{ desired: Record<string, unknown> }>('desired');
  return { sample: sample.message, desired };
}

/**
 * One store at size `n`: the control plane's changes and the bare server's pushes take turns,
 * both servers up at once (the bare one started by the first store of the size, with what that
 * control plane sent), so a drift of the machine between them moves both sides alike. The order
 * within a round alternates too. Then status reports and REST reads on the control plane alone.
 */
async function measureStore(
  n: number,
  storeUrl: string | undefined,
  row: Row,
  bareOf: (received: Received) => Promise<Bare | undefined>,
): Promise<void> {
  const hc = await startHactl(n, storeUrl, row);
  if (!hc) return;
  cpuWatch.watch('control plane', hc.server.proc.pid);
  cpuWatch.watch('its agents', hc.sim.proc.pid);
  try {
    // Every round, warm-up rounds first: the medians take the rest (`measured`).
    const all = { hactl: [] as Round[], each: [] as Round[], one: [] as Round[] };
    let change = 0;
    for (let r = 0; r < warmup; r++) all.hactl.push(await hactlRound(hc, n, change++, row));
    const bare = await bareOf(await receivedBy(hc));
    const bareTurn = async () => {
      if (bare) for (const mode of ['each', 'one'] as const) all[mode].push(await bareRound(bare, n, mode));
    };
    for (let r = 0; r < warmup; r++) await bareTurn();
    for (let r = 0; r < reps; r++) {
      const hactlTurn = async () => void all.hactl.push(await hactlRound(hc, n, change++, row));
      for (const turn of r % 2 ? [bareTurn, hactlTurn] : [hactlTurn, bareTurn]) await turn();
    }
    const measured = (k: keyof typeof all) => all[k].slice(warmup);
    const med = (k: keyof typeof all, f: (t: Round) => number) => median(measured(k).map(f));
    const fanOuts = (k: keyof typeof all) => rounds(all[k].map((t) => t.fanOut));
    row.hactl = {
      fanOut: med('hactl', (t) => t.fanOut),
      applyMs: med('hactl', (t) => t.applyMs),
      storeMs: med('hactl', (t) => t.applyMs - t.pushMs),
      pushMs: med('hactl', (t) => t.pushMs),
    };
    row.notes.push(`hactl fan-out per change ms: ${fanOuts('hactl')}`);
    row.notes.push(
      `control plane GC within each measured fan-out, major (n/ms) + minor ms: ${measured('hactl')
        .map((t) => (t.gc ? `${t.gc.major.n}/${ms(t.gc.major.totalMs)} + ${ms(t.gc.minor.totalMs)}` : '-'))
        .join(', ')}`,
    );
    if (bare) {
      row.bare = {
        fanOut: med('each', (t) => t.fanOut),
        pushMs: med('each', (t) => t.pushMs),
        oneFanOut: med('one', (t) => t.fanOut),
        rssMb: (await bare.server.call<{ rssMb: number }>('rss')).rssMb,
      };
      row.notes.push(`bare fan-out per push ms, each host its own message: ${fanOuts('each')}`);
      row.notes.push(`bare fan-out per push ms, one message to all: ${fanOuts('one')}`);
      const each = measured('each');
      row.interval = ratioInterval(
        measured('hactl').map((t) => t.fanOut),
        each.map((t) => t.fanOut),
      );
      const perRound = measured('hactl').map((t, i) => t.fanOut / each[i]!.fanOut);
      const sortedRatios = [...perRound].sort((a, b) => a - b);
      row.notes.push(
        `per round, hactl / bare fan-out: ${perRound.map((x) => `${x.toFixed(2)}x`).join(', ')} ` +
          `(p25 / median / p75 ${[25, 50, 75].map((q) => `${percentile(sortedRatios, q).toFixed(2)}x`).join(' / ')})`,
      );
      // Where the difference lies: the synchronous part (the apply; the bare write loop) against
      // what follows it until the last host has the state (later slices, the streams' flush, the
      // agents' receipt).
      const afterSync = (k: keyof typeof all) => med(k, (t) => t.fanOut - t.applyMs);
      // With --change put the synchronous part ends when the control plane's push call returned
      // (the PUT's answer comes later: after the push and the rollout's first step).
      const answered = viaPut ? `; the PUT's answer ${ms(med('hactl', (t) => t.answerMs ?? NaN))}` : '';
      row.notes.push(
        `median ms, synchronous part + the rest until the last host has it: hactl ` +
          `${ms(row.hactl.applyMs)} + ${ms(afterSync('hactl'))}, bare ${ms(med('each', (t) => t.applyMs))} + ` +
          `${ms(afterSync('each'))}${answered}`,
      );
      // What ran on the two cores during each fan-out, by process: the other side's processes
      // are idle between their own rounds, unless their background work (GC) falls into ours.
      const cpuOf = (k: keyof typeof all) => {
        const rs = measured(k).flatMap((t) => (t.cpuMs ? [t.cpuMs] : []));
        const labels = [...new Set(rs.flatMap((x) => Object.keys(x)))];
        return labels
          .map((l) => {
            const of = (f: (c: OnCore) => number) => ms(median(rs.flatMap((x) => (x[l] ? [f(x[l])] : []))));
            return `${l} ${of((c) => c.all)} (main thread ${of((c) => c.main)})`;
          })
          .join(', ');
      };
      if (measured('hactl').some((t) => t.cpuMs))
        row.notes.push(
          `time on a core within each fan-out (schedstat, all threads), medians ms: hactl rounds: ${cpuOf('hactl')}; ` +
            `bare rounds (each host its own message): ${cpuOf('each')}`,
        );
      const scheds = measured('hactl').flatMap((t) => (t.syncSched ? [t.syncSched] : []));
      if (scheds.length)
        row.notes.push(
          `the control plane's synchronous part per change, on a core + waiting for one ms (schedstat): ` +
            `${scheds.map((x) => `${ms(x.onCoreMs)} + ${ms(x.waitingMs)}`).join(', ')} ` +
            `(medians ${ms(median(scheds.map((x) => x.onCoreMs)))} + ${ms(median(scheds.map((x) => x.waitingMs)))})`,
        );
      row.notes.push(
        `simulated agents' longest loop delay within each fan-out ms: hactl ` +
          `${rounds(all.hactl.map((t) => t.simStallMs))}; bare ${rounds(all.each.map((t) => t.simStallMs))}`,
      );
    }
    const after = await hc.sim.call<Progress>('progress');
    if (holdReports) {
      // A report held for good would only leave the control plane quieter: say how many went.
      if (after.held > 0)
        throw new Error(`${after.held} post-change reports are still held after the rounds`);
      row.notes.push(
        `post-change reports held until every host had the change, then written: ${after.released}`,
      );
    }
    if (after.reconnects)
      row.notes.push(
        `streams lost after registration: ${after.failures.map(([r, c]) => `${c}× ${r}`).join('; ')}`,
      );
    await measureLoad(hc, n, row);
  } finally {
    if (!hc.server.exited)
      row.notes.push(...(await loggedNotes(hc.server).catch((err: unknown) => [`logged: ${String(err)}`])));
    await stopSide(hc);
  }
}

/** Status reports from every agent, then REST reads while they go on: the control plane's figures. */
async function measureLoad(hc: HactlSide, n: number, row: Row): Promise<void> {
  const name = `hactl ${row.store} ${n}`;
  await hc.sim.call('reports', { on: true });
  await sleep(reportIntervalMs * 1.5); // every agent on its own phase; Storm released once ZooKeeper is healthy
  row.reports = await window(hc, row, 'while reporting', () => sleep(reportIntervalMs * 2));
  debug(`${name}: reports ${JSON.stringify(row.reports)}`);
  if (row.reports.leadLost) {
    row.leadLost = 'the status reports';
    return;
  }
  const base = `http://127.0.0.1:${hc.httpPort}/v1/clusters`;
  let list: RestTimes | undefined;
  let one: RestTimes | undefined;
  row.duringRest = await window(hc, row, 'during REST', async () => {
    list = await timed(base, hc.token, restRequests, 60_000);
    one = await timed(`${base}/storm-bench`, hc.token, restRequests, 60_000);
  });
  [row.list, row.one] = [list, one];
  if (row.duringRest.leadLost) row.leadLost = 'the REST requests';
  if (list && one && (list.n < restRequests || one.n < restRequests))
    row.notes.push(`REST: ${list.n} + ${one.n} requests within the 60 s budgets`);
  // The table's p99 of a few dozen requests is about their slowest, and the first read after the
  // fleet's last change rolls every cluster's status up (reconcile/fleet.ts `status`; the later
  // ones take it over), so the first request of each is also shown apart.
  if (list && one)
    row.notes.push(
      `REST ms, the first request of each apart: GET /v1/clusters first ${ms(list.first)}, the later ` +
        `p50/p99 ${ms(list.later.p50)} / ${ms(list.later.p99)}; GET /v1/clusters/NAME first ` +
        `${ms(one.first)}, the later p50/p99 ${ms(one.later.p50)} / ${ms(one.later.p99)}`,
    );
  debug(`${name}: REST list ${JSON.stringify(list)} one ${JSON.stringify(one)}`);
}

/**
 * The control plane's load figures over `fn` (its reports, loop delay and GC), with both loops'
 * delays noted under `what`: a report's sentAt → handled waits in the simulator's loop as well.
 */
async function window(hc: Side, row: Row, what: string, fn: () => Promise<unknown>): Promise<LoadStats> {
  await hc.server.call('measure', { on: true });
  await hc.sim.call('loop-delay', { on: true });
  await fn();
  const stats = await hc.server.call<LoadStats>('measure', { on: false });
  const sim = await hc.sim.call<{ p99: number; max: number; gc: GcSummary; watched: Watched }>('loop-delay', {
    on: false,
  });
  row.notes.push(
    `${what}, event-loop delay p99/max ms: control plane ${ms(stats.eldP99)} / ${ms(stats.eldMax)}, ` +
      `simulated agents ${ms(sim.p99)} / ${ms(sim.max)}; control plane GC: ${gcText(stats.gc)}; ` +
      `simulated agents GC: ${gcText(sim.gc)}`,
  );
  row.notes.push(`${what}, control-plane stalls over 50 ms: ${describeStalls(stats.stalls)}`);
  // A report waits in the simulator's loop too: its stalls told with its own GCs and the control
  // plane's GCs and stalls, which share the machine's two cores (V8 collects on helper threads).
  const { watched } = sim;
  const simBusy = [
    ...watched.spans.map((x) => ({ ...x, label: `simulator ${x.label}` })),
    ...stats.busy.map((x) => ({ ...x, label: `control-plane ${x.label}` })),
  ];
  row.notes.push(
    `${what}, simulator stalls over 50 ms: ${describeStalls(attributeStalls(watched.stalls, simBusy, watched.origin))}`,
  );
  return stats;
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

/** Each round's ms, the warm-up rounds marked: `(313, 144) 127, 124, 112`. */
function rounds(all: number[]): string {
  const warm = all.slice(0, warmup).map(ms).join(', ');
  const rest = all.slice(warmup).map(ms).join(', ');
  return warm ? `(${warm}) ${rest}` : rest;
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
  console.log(
    viaPut
      ? 'change: PUT /v1/clusters/storm-bench over REST (each stores a rollout of every Storm member)'
      : 'change: Fleet.applyCluster in the control plane (no rollout; --change put for the REST path)',
  );
  if (pin) console.log(`pinned: servers on CPUs ${pin[1]}, simulated agents on CPUs ${pin[2]}`);
  if (holdReports)
    console.log(
      "reports: each agent's post-change report held until every host has the change (--hold-reports)",
    );
  const rows: Row[] = [];
  let failed = false;
  const pg = stores.includes('postgres') ? await startTempPostgres(PG_HOST, PG_PORT) : undefined;
  // Interrupted, it stops PostgreSQL and removes its directory too (pg_ctl put the server in a
  // session of its own, so a terminal's Ctrl-C reaches only this process and its children).
  cleanUpOnInterrupt(() => pg?.stop());
  try {
    for (const [i, n] of sizes.entries()) {
      let bare: Bare | undefined;
      let bareFailed: string | undefined;
      const bareOf = async (received: Received): Promise<Bare | undefined> => {
        if (bare || bareFailed) return bare;
        const started = await startBare(n, received);
        if (typeof started === 'string') bareFailed = started;
        else {
          bare = started;
          cpuWatch.watch('bare server', bare.server.proc.pid);
          cpuWatch.watch('bare agents', bare.sim.proc.pid);
        }
        return bare;
      };
      try {
        for (const store of stores) {
          const row: Row = { agents: n, store, registered: '', notes: [] };
          rows.push(row);
          const url = store === 'postgres' ? pgDatabase(pg, `fleet_push_${i}_${n}`) : undefined;
          // One store failing (a change that never reached every agent) still leaves the others' rows.
          await measureStore(n, url, row, bareOf).catch((err: unknown) => {
            failed = true;
            row.notes.push(`failed: ${err instanceof Error ? err.message : String(err)}`);
          });
          if (bareFailed) row.notes.push(bareFailed);
        }
      } finally {
        if (bare) await stopSide(bare);
      }
    }
  } finally {
    if (pg) {
      debug('stopping PostgreSQL');
      await pg.stop();
    }
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
        'ratio of medians',
        '90% interval',
        'vs 1.5x target',
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
        r.interval ? `${r.interval.low.toFixed(2)}x-${r.interval.high.toFixed(2)}x` : '-',
        r.hactl && r.bare ? verdict(r.interval, TARGET) : '-',
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
    // sentAt → handled reads the agents' send time (Date.now(), as the protocol carries it)
    // against the control plane's Date.now(): a step of the system clock during the reporting
    // window shifts the reports that straddle it by the step.
    if ([r.reports, r.duringRest].some((x) => x && x.endToEnd.p50 < 0))
      console.log(
        `${r.agents} ${r.store}: sentAt → handled is negative: the system clock stepped back while ` +
          'agents reported, so those columns are not usable in this run',
      );
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
