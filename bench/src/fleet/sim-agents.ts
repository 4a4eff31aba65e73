/**
 * Simulated agents, in a process of their own: N gRPC Connect streams, one channel (one TCP
 * connection) each, as N real hosts would open. Each says hello like agent/src/agent.ts (facts,
 * full status), records the newest desired generation, reports status 100 ms after each new
 * desired state (the agent's reportSoon) and, once asked, every reportIntervalMs; due reports are
 * written 100 per event-loop turn (ReportQueue). For each awaited change it says when the hosts got
 * it (percentiles of receipt) and its own longest event-loop delay meanwhile. A stream that
 * fails reconnects with the agent's backoff, and every failure is counted by its reason, so the
 * orchestrator can say why a host never registered.
 *
 * The streams mirror agent/src/sync/connection.ts rather than use it: in one process, its channels
 * (same target, same options) would share grpc-js's global subchannel pool, so 10,000 agents would
 * be 10,000 streams on one TCP connection; real hosts each have their own connection.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import {
  agentServiceClient,
  MAX_MESSAGE_BYTES,
  type AgentMessage,
  type ControlMessage__Output,
  type DesiredInstance__Output,
  type InstanceStatus,
  type StatusReport,
} from '@hactl/proto';
import { planBackoff } from '@hactl/shared';
import { benchProbe } from './specs.js';
import { serve, monoNow, type Request } from './ipc.js';
import { ReportQueue } from './report-queue.js';
import { StallWatch } from './stalls.js';
import { ARRIVAL_PERCENTILES, gcSummary, percentile, watchGc } from './stats.js';

type Stream = grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
type Client = grpc.Client & { Connect(): Stream };

/** One loopback address per simulated host: 127.1.0.1 … 127.1.39.250 for 10,000 hosts; distinct up to 64,000. */
export function addressOf(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

interface Agent {
  client: Client;
  call?: Stream;
  welcomed: boolean;
  attempt: number;
  generation: number;
  /** When the newest generation arrived (ipc.ts monoNow). */
  at: number;
  instances: DesiredInstance__Output[];
  lastDesired?: ControlMessage__Output;
  reportTimer?: NodeJS.Timeout;
}

const agents: Agent[] = [];
const failures = new Map<string, number>();
let reconnects = 0;
let reportIntervalMs = 5000;
let periodic: NodeJS.Timeout[] = [];
let loopDelay: IntervalHistogram | undefined;
/**
 * This loop's stalls over 50 ms while `loop-delay` is on, with its GC pauses (stalls.ts): a report
 * stamped just before a pause is written after it, and its sentAt → handled counts the pause as if
 * the control plane took it.
 */
const stalls = new StallWatch(50);
watchGc((gc) => stalls.noteGc(gc));
/** The histogram records each whole sampling interval; the delay is what exceeds it. */
const LOOP_DELAY_RESOLUTION_MS = 5;

function statusReport(i: number): StatusReport {
  const a = agents[i]!;
  const now = Date.now();
  const instances: InstanceStatus[] = a.instances.map((inst) => ({
    id: inst.id,
    cluster: inst.cluster,
    kind: inst.kind,
    process: 'running',
    pid: 20_000 + i,
    restarts: 0,
    lastExit: '',
    adopted: false,
    detail: '',
    probeAtMs: now - 1000,
    probeJson: JSON.stringify(benchProbe(inst, addressOf(i), i)),
    restartPending: false,
    logFiles: [
      `/var/lib/hactl/${inst.cluster}/${inst.role}/logs/${inst.role}.log`,
      `/var/lib/hactl/${inst.cluster}/${inst.role}/stdout.log`,
    ],
  }));
  return { appliedGeneration: a.generation, applyError: '', instances, sentAtMs: now };
}

function hello(i: number): AgentMessage {
  return {
    hello: {
      name: `b${i}`,
      address: addressOf(i),
      agentVersion: 'bench',
      facts: {
        hostname: `b${i}`,
        os: 'linux',
        kernel: '6.1.0',
        cpus: 2,
        memoryBytes: 8 * 1024 ** 3,
        javaVersion: '17.0.12',
        nodeVersion: process.version,
        dataRoot: '/var/lib/hactl',
        labels: { rack: `r${i % 40}` },
      },
      status: statusReport(i),
    },
  };
}

function sendStatus(i: number): void {
  const a = agents[i]!;
  if (a.call && a.welcomed) a.call.write({ status: statusReport(i) });
}

/** Due reports, 100 per event-loop turn (report-queue.ts says why); each is stamped when written. */
const due = new ReportQueue(sendStatus, 100);

function reportSoon(i: number): void {
  due.push(i);
}

/** A failure's reason without the timestamps and ports in grpc-js's details. */
function reasonOf(err: grpc.ServiceError): string {
  const details = (err.details || err.message)
    .replace(/\(\d{4}-\d\d-\d\dT[0-9:.]+Z\)/g, '')
    .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR')
    .replace(/Resolution note:.*$/, '')
    .trim();
  return `${grpc.status[err.code] ?? err.code}: ${details}`;
}

/** One agent's stream: hello first, reconnect after any failure (connection.ts, simplified). */
function open(i: number): void {
  const a = agents[i]!;
  const call = a.client.Connect();
  a.call = call;
  a.welcomed = false;
  let done = false;
  const lost = (reason: string) => {
    if (done) return;
    done = true;
    if (a.call === call) a.call = undefined;
    a.welcomed = false;
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
    reconnects++;
    setTimeout(() => open(i), planBackoff(a.attempt++, Math.random(), { baseMs: 500, maxMs: 30_000 }));
  };
  call.on('data', (m: ControlMessage__Output) => {
    if (m.welcome) {
      a.welcomed = true;
      a.attempt = 0;
    }
    onMessage(i, m);
  });
  call.on('error', (err: grpc.ServiceError) => lost(reasonOf(err)));
  call.on('end', () => lost('stream ended by the server'));
  call.write(hello(i));
}

function onMessage(i: number, m: ControlMessage__Output): void {
  const a = agents[i]!;
  if (!m.desired) return;
  const previous = a.generation;
  a.generation = Number(m.desired.generation);
  a.at = monoNow();
  a.instances = m.desired.instances;
  a.lastDesired = m;
  onGeneration(i, previous, a.generation);
  // Held while a change is being measured with `hold` (fleet-push --hold-reports): written once
  // every expected host has it.
  if (holding()) {
    held.add(i);
    return;
  }
  // The agent reports a state change within 100 ms, coalescing bursts (agent.ts reportSoon).
  a.reportTimer ??= setTimeout(() => {
    a.reportTimer = undefined;
    reportSoon(i);
  }, 100);
}

function progress(): Record<string, unknown> {
  return {
    registered: agents.filter((a) => a.welcomed && a.generation > 0).length,
    reconnects,
    failures: [...failures].sort((x, y) => y[1] - x[1]),
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    released,
    held: held.size,
  };
}

/** Hosts [from, to) waiting for a generation newer than `after`; `done` once none is left. */
interface Expectation {
  from: number;
  to: number;
  after: number[];
  pending: number;
  /** Post-change reports are held while hosts are pending (`held`), and written when none is. */
  hold: boolean;
  done?: () => void;
  /** This process's event-loop delay while the hosts wait: a stall here delays their receipt. */
  delay: IntervalHistogram;
}
const expectations = new Map<number, Expectation>();
/** Agents whose post-change report waits for a held expectation to complete. */
const held = new Set<number>();
/** Held reports written so far (`progress`). */
let released = 0;

/** Whether a measured change holds post-change reports now (an expectation with `hold` pending). */
function holding(): boolean {
  for (const e of expectations.values()) if (e.hold && e.pending > 0) return true;
  return false;
}

/** Writes the held reports (100 per turn, ReportQueue) once no expectation holds them. */
function releaseHeld(): void {
  if (holding()) return;
  for (const i of held) reportSoon(i);
  released += held.size;
  held.clear();
}

function onGeneration(i: number, previous: number, generation: number): void {
  for (const e of expectations.values()) {
    if (i < e.from || i >= e.to) continue;
    const base = e.after[i - e.from]!;
    if (previous <= base && generation > base && --e.pending === 0) {
      e.done?.();
      if (e.hold) releaseHeld();
    }
  }
}

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.op) {
    case 'connect': {
      const Ctor = agentServiceClient();
      reportIntervalMs = req.reportIntervalMs as number;
      for (let i = 0; i < (req.agents as number); i++) {
        // The agent's channel options (connection.ts), and a connection of its own.
        const client = new Ctor(req.target as string, grpc.credentials.createInsecure(), {
          'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
          'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
          'grpc.keepalive_time_ms': 20_000,
          'grpc.keepalive_timeout_ms': 10_000,
          'grpc.keepalive_permit_without_calls': 1,
          'grpc.use_local_subchannel_pool': 1,
        }) as unknown as Client;
        agents.push({ client, welcomed: false, attempt: 0, generation: 0, at: 0, instances: [] });
        open(i);
        // Yield now and then so the first streams get going while the rest are created.
        if (i % 200 === 199) await new Promise((r) => setImmediate(r));
      }
      return {};
    }
    case 'progress':
      return progress();
    case 'expect': {
      // Snapshot before the change is made: the orchestrator waits for this answer first.
      const from = req.from as number;
      const to = req.to as number;
      const after = agents.slice(from, to).map((a) => a.generation);
      const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
      delay.enable();
      expectations.set(req.token as number, {
        from,
        to,
        after,
        pending: to - from,
        hold: req.hold === true,
        delay,
      });
      return {};
    }
    case 'wait': {
      const e = expectations.get(req.token as number)!;
      if (e.pending > 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, req.timeoutMs as number);
          e.done = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      expectations.delete(req.token as number);
      // A wait that timed out leaves hosts pending: their reports are not held any longer.
      releaseHeld();
      e.delay.disable();
      // No sample yet (a wait shorter than the resolution) leaves max at 0: no stall.
      const stallMs = Math.max(0, e.delay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      const ats = agents
        .slice(e.from, e.to)
        .map((a) => a.at)
        .sort((x, y) => x - y);
      return {
        reached: e.to - e.from - e.pending,
        of: e.to - e.from,
        at: ats[ats.length - 1] ?? 0,
        arrivals: ARRIVAL_PERCENTILES.map((q) => percentile(ats, q)),
        stallMs,
      };
    }
    case 'sample':
      return { message: agents[req.index as number]?.lastDesired };
    case 'desired':
      // Each host's last desired state, by host name (hello's `b<i>`), for the bare server's push-each.
      return {
        desired: Object.fromEntries(agents.map((a, i) => [`b${i}`, a.lastDesired?.desired ?? null])),
      };
    case 'reports': {
      for (const t of periodic) clearTimeout(t);
      periodic = [];
      if (req.on)
        agents.forEach((_a, i) => {
          // Agents are not synchronised: each starts at its own phase of the interval.
          const t = setTimeout(() => {
            reportSoon(i);
            periodic.push(setInterval(() => reportSoon(i), reportIntervalMs));
          }, Math.random() * reportIntervalMs);
          periodic.push(t);
        });
      return {};
    }
    case 'loop-delay': {
      // This process's own event-loop delay (ms), so a report's sentAt → handled can be told apart:
      // a report stamped here waits in this loop before it is written, as well as in the control
      // plane's loop after it arrives (control-plane-host.ts measures that one).
      if (req.on) {
        loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
        loopDelay.enable();
        stalls.start();
        return {};
      }
      loopDelay?.disable();
      const watched = stalls.stop();
      const out = {
        watched,
        p99: (loopDelay?.percentile(99) ?? NaN) / 1e6 - LOOP_DELAY_RESOLUTION_MS,
        max: (loopDelay?.max ?? NaN) / 1e6 - LOOP_DELAY_RESOLUTION_MS,
        gc: gcSummary(watched.gcs),
      };
      loopDelay = undefined;
      return out;
    }
    case 'exit':
      for (const t of periodic) clearTimeout(t);
      due.clear();
      for (const a of agents) {
        a.call?.cancel();
        a.client.close();
      }
      setTimeout(() => process.exit(0), 100);
      return {};
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

serve(handle);
