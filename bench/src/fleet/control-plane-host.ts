/**
 * The control plane under test, in a process of its own (so its RSS and event loop are its own):
 * a real one (startControlPlane, production timings) driven over IPC, on SQLite in a temp dir or
 * on the PostgreSQL database whose URL `start` is given (the orchestrator runs that server). It
 * times Fleet.recordStatus and the whole report path (the agent's sentAt → handled; same machine,
 * same clock), samples event-loop delay while asked to, and counts what it logged at warn and error
 * (`logged`), since a store that falls behind shows there first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../../../control-plane/dist/server.js';
import { defaultConfig } from '../../../control-plane/dist/config.js';
import { serve, untilQuiet, monoNow, type Request } from './ipc.js';
import { gcSummary, summarize, watchGc, type GcPause } from './stats.js';
import { BENCH_ZOOKEEPER, benchStorm } from './specs.js';
import { cleanUpOnInterrupt } from '../interrupt.js';
import { StallWatch, attributeStalls, gcSpan } from './stalls.js';
import { readSchedstat, schedstatSince, type Schedstat } from './cpu-time.js';

let cp: RunningControlPlane | undefined;
let dir = '';
let hosts: string[] = [];
let measured: RunningControlPlane['fleet'] | undefined;
let eld: IntervalHistogram | undefined;
/** The histogram records each whole sampling interval; the delay is what exceeds it. */
const ELD_RESOLUTION_MS = 5;
/**
 * GCs from the last change's start until its reports settled (`change` → `settle`), with their
 * start (ipc.ts monoNow, ms), so the orchestrator can count those that began before every agent had it.
 */
let changeGcs: GcPause[] | undefined;
/**
 * The loop's stalls over 50 ms while measuring, with the named calls and the garbage collections
 * (V8's `gc` performance entries) within each; each GC stops the loop for its duration, so next
 * to the loop delay the GCs tell a GC pause from JavaScript work.
 */
const stalls = new StallWatch(50);
watchGc((gc) => {
  changeGcs?.push(gc);
  stalls.noteGc(gc);
});

let handled: number[] | undefined;
let endToEnd: number[] | undefined;
/** Status reports handled since start (for `settle`). */
let reportsSeen = 0;
/**
 * ms the last change spent in Fleet.pushChanges (writing to the agents' streams, after the commit),
 * whether it came as `change` or as a PUT over REST; `settle` reports it too.
 */
let lastPushMs = 0;
/**
 * When (monoNow, the clock every bench process shares) the last change's Fleet.pushChanges
 * returned: a change's synchronous part ends there, a PUT's too (its answer waits for the push and
 * first step).
 */
let lastPushEndAt = 0;

/** The event loop's schedstat when the last change began (beginChange). */
let changeSched: Schedstat | undefined;
/**
 * The event loop's time on a core and waiting for one (Linux schedstat, ms) from the change's
 * beginning until its push call returned: where a synchronous part longer than in-process goes.
 * Undefined off Linux.
 */
let lastSyncSched: Schedstat | undefined;

/** A change starts: its push time, GC pauses and schedstat are counted from here (`settle` reports them). */
function beginChange(): void {
  lastPushMs = 0;
  lastPushEndAt = 0;
  lastSyncSched = undefined;
  changeGcs = [];
  changeSched = readSchedstat();
}

function running(): RunningControlPlane {
  if (!cp) throw new Error('control plane not started');
  return cp;
}

/** Warn and error records counted by level and message, with the first one's fields. */
const logged = new Map<string, { count: number; first: object }>();
/**
 * Each change of this replica's role after it first came to lead, timed (replica/leadership.ts
 * logs it at info): alone on its database, any is a lease that ran out under it.
 */
const leadership: object[] = [];
/**
 * The control plane's logger: pino at info, as main.ts builds it, writing synchronously to a file
 * in the temp dir instead of stdout (pino's default destination is synchronous too), so the cost
 * of what the control plane logs in production is in every figure here; warn and error records
 * are also counted (`logged`). Until 2026-12-04 the bench dropped info records, and with them a
 * line per host and change ("agent applied generation", now at debug): 116 ms of 10,000 pino
 * lines per fleet-wide change that no figure showed.
 */
const countingLogger = (sink: PinoLogger, bindings: object = {}): Logger => {
  const count = (level: 'warn' | 'error') => (obj: object, msg: string) => {
    sink[level](obj, msg);
    const key = `${level} ${msg}`;
    const seen = logged.get(key);
    if (seen) seen.count++;
    else logged.set(key, { count: 1, first: { ...bindings, ...obj } });
  };
  return {
    debug: (obj, msg) => sink.debug(obj, msg),
    info(obj, msg) {
      sink.info(obj, msg);
      if (msg === 'control-plane leadership changed')
        leadership.push({ at: new Date().toISOString(), ...bindings, ...obj });
    },
    warn: count('warn'),
    error: count('error'),
    child: (more) => countingLogger(sink.child(more), { ...bindings, ...more }),
  };
};

/**
 * Replaces `obj[key]` with a wrapper that notes each call's synchronous part as a span named
 * `label` (StallWatch.time); the call's result, a promise included, is passed through.
 */
function timed<O extends object, K extends keyof O & string>(obj: O, key: K, label: string): void {
  const fn = (obj[key] as (...a: unknown[]) => unknown).bind(obj);
  (obj as Record<K, unknown>)[key] = (...a: unknown[]) => stalls.time(label, () => fn(...a));
}

/**
 * On a shared store the control plane serves before it leads: its first lease round runs after
 * start, and only a leader has a fleet. Alone on its database it takes the free lease at once.
 */
async function untilLeading(c: RunningControlPlane, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!c.leading()) {
    if (performance.now() > deadline)
      throw new Error(`the control plane did not lead within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The temp dir goes with the process, however it ends: the orchestrator's `exit`, its end closing
// the IPC channel (ipc.ts serve exits then), or a terminal's Ctrl-C reaching this process too.
const removeDir = () => dir && fs.rmSync(dir, { recursive: true, force: true });
process.on('exit', removeDir);
cleanUpOnInterrupt(removeDir);

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.op) {
    case 'start': {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-'));
      hosts = Array.from({ length: req.agents as number }, (_, i) => `b${i}`);
      const cfg = defaultConfig();
      cp = await startControlPlane(
        {
          ...cfg,
          dataDir: dir,
          store: req.store as string | undefined,
          http: { host: '127.0.0.1', port: 0 },
          grpc: { host: '127.0.0.1', port: 0 },
          insecure: true,
          reportIntervalMs: req.reportIntervalMs as number,
        },
        countingLogger(
          pino(
            {
              level: 'info',
              base: { service: 'hactl-control-plane' },
              timestamp: pino.stdTimeFunctions.isoTime,
            },
            pino.destination({ dest: path.join(dir, 'control-plane.log'), sync: true }),
          ),
        ),
      );
      await untilLeading(cp, cfg.leaderLeaseMs * 3);
      const fleet = cp.fleet;
      measured = fleet;
      const recordStatus = fleet.recordStatus.bind(fleet);
      fleet.recordStatus = (hostId, update) => {
        reportsSeen++;
        const t0 = monoNow();
        recordStatus(hostId, update);
        if (!handled || !endToEnd) return;
        handled.push(monoNow() - t0);
        // sentAt is the agent's Date.now() (the protocol's wall-clock send time), so it is read
        // against this machine's wall clock now, not monoNow.
        if (update.sentAt) endToEnd.push(Date.now() - update.sentAt);
      };
      const pushChanges = fleet.pushChanges.bind(fleet);
      fleet.pushChanges = (changes) => {
        const t0 = performance.now();
        pushChanges(changes);
        lastPushMs = performance.now() - t0;
        lastPushEndAt = monoNow();
        lastSyncSched = schedstatSince(changeSched, readSchedstat());
      };
      // What a stall is told as (stalls.ts): the calls a timer's pass, a PUT and the REST reads make.
      const core = cp.core;
      timed(fleet, 'reconcileTick', 'reconcile pass: desired states');
      timed(fleet, 'flushLiveness', 'liveness flush');
      timed(fleet, 'listClusters', 'GET /v1/clusters');
      timed(fleet, 'clusterStatus', 'cluster view');
      // The rollout engine's pass: on the reconcile timer, and an apply's first step after its push.
      timed(core.rollouts, 'tick', 'rollout engine pass');
      timed(core.failovers, 'tick', 'reconcile pass: failovers');
      // A PUT's synchronous part (it returns a promise): validate, stage, commit and the push call;
      // its HTTP parsing and answer are not in it.
      timed(core.changes, 'apply', 'PUT: Changes.apply');
      // Each message an agent stream's handler read (a status report's parsing and recordStatus;
      // a hello), as metrics/grpc.ts times it: it ends now.
      const observeGrpc = core.metrics.observeGrpc.bind(core.metrics);
      core.metrics.observeGrpc = (method, code, seconds) => {
        observeGrpc(method, code, seconds);
        if (method !== 'Connect') return;
        const end = monoNow();
        stalls.note('agent stream messages', end - seconds * 1000, end);
      };
      // The first admin token: the REST timings call as admin (issue 12).
      const token = fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim();
      return { grpcPort: cp.grpcPort, httpPort: cp.httpPort, token };
    }
    case 'apply-base': {
      const t0 = monoNow();
      running().fleet.applyCluster('zk-bench', BENCH_ZOOKEEPER, { author: 'bench', message: '' });
      running().fleet.applyCluster('storm-bench', benchStorm(hosts, 30), { author: 'bench', message: '' });
      return { t0, applyMs: monoNow() - t0 };
    }
    case 'before-put':
      // A change that comes as a PUT over REST: its push time and GCs are counted from here.
      beginChange();
      return {};
    case 'change': {
      beginChange();
      // Its synchronous part ends when its push call returns (`settle` reports pushEndAt), as a PUT's.
      const t0 = monoNow();
      running().fleet.applyCluster('storm-bench', benchStorm(hosts, req.timeoutSecs as number), {
        author: 'bench',
        message: '',
      });
      return { t0 };
    }
    case 'settle': {
      // Each change makes every agent report within 100 ms of receiving it (sim-agents.ts); the
      // next change waits until that burst is handled, so it is not measured against it.
      const settled = await untilQuiet(() => reportsSeen, req.quietMs as number, req.timeoutMs as number);
      return {
        settled,
        reports: reportsSeen,
        gcs: changeGcs,
        pushMs: lastPushMs,
        pushEndAt: lastPushEndAt,
        syncSched: lastSyncSched,
      };
    }
    case 'measure': {
      // A replica that lost its lease and led again runs a new term with a new Fleet, unmeasured:
      // the figures of a measurement it happened in cover the old term and the election.
      const c = running();
      const leadLost = (c.leading() ? c.fleet : undefined) !== measured;
      if (req.on) {
        if (leadLost) throw new Error('the control plane lost its lead before this measurement');
        handled = [];
        endToEnd = [];
        eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
        eld.enable();
        stalls.start();
        return {};
      }
      eld?.disable();
      const seen = stalls.stop();
      const out = {
        handled: summarize(handled ?? []),
        endToEnd: summarize(endToEnd ?? []),
        eldP99: (eld?.percentile(99) ?? NaN) / 1e6 - ELD_RESOLUTION_MS,
        eldMax: (eld?.max ?? NaN) / 1e6 - ELD_RESOLUTION_MS,
        rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
        gc: gcSummary(seen.gcs),
        stalls: attributeStalls(seen.stalls, seen.spans, seen.origin),
        // For telling the simulator's stalls (fleet-push.ts window): this loop's own, and its GCs.
        busy: [...seen.stalls, ...seen.gcs.map(gcSpan)],
        leadLost,
      };
      handled = endToEnd = undefined;
      return out;
    }
    case 'logged':
      return {
        logged: [...logged].map(([key, { count, first }]) => ({ key, count, first })),
        leadership: leadership.slice(1),
      };
    case 'exit':
      await cp?.stop();
      // The temp dir goes in the exit handler.
      setTimeout(() => process.exit(0), 10);
      return {};
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

serve(handle);
