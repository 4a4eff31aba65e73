import type { ExitFailure, InstanceStatus, StatusReport } from '@hactl/proto';
import type { ProcessPlan } from '@hactl/shared';
import type { SupervisorStatus } from '../supervisor/index.js';
import type { DesiredInstance } from './diff.js';
import { InstanceManager, type StartFailure } from './instances.js';
import type { LastProbe } from './probes.js';
import { describeCrashCause, type CrashCause } from './crash-cause.js';

/**
 * The report loop: every interval, probe each running instance and send the full status; a state
 * change in between is reported within 100 ms (bursts coalesced). `buildStatusReport` is the pure
 * part (managed state in, proto status out); `Reporter` owns the timers.
 */

/** What a report reads of a managed instance (InstanceManager's ManagedInstance fits). */
export interface ReportedInstance {
  spec: Pick<DesiredInstance, 'cluster' | 'kind'>;
  supervisor: { status(): SupervisorStatus };
  plan: ProcessPlan;
  restartPending: boolean;
  target?: unknown;
  blocked?: string | undefined;
  crashCause?: CrashCause | undefined;
  failureLog?: { file: string; lines: string[] } | undefined;
  startFailure?: StartFailure | undefined;
  lastProbe?: LastProbe;
}

/** Pure: the status report for `instances` as they are at `now`. */
export function buildStatusReport(
  instances: ReadonlyMap<string, ReportedInstance>,
  waiting: ReadonlyMap<string, string>,
  applied: { generation: number; error: string },
  now: number,
): StatusReport {
  const out: InstanceStatus[] = [];
  for (const [id, m] of instances) {
    const st = m.supervisor.status();
    const down = st.state === 'crashed' || st.crashLoop;
    // Started again after an unexpected exit, and not yet for the policy's resetAfterMs: that exit
    // and its cause still explain the member (a crash loop between two attempts shows `starting`).
    const back = !down && st.recovering && st.lastExit !== undefined;
    // Only a probe of the process that runs now: after a restart (or a crash and a quick start
    // again) the last probe describes the old one until the new one is probed.
    const probe = st.state === 'running' && m.lastProbe?.pid === (st.pid ?? 0) ? m.lastProbe : undefined;
    out.push({
      id,
      cluster: m.spec.cluster,
      kind: m.spec.kind,
      process: st.state,
      pid: st.pid ?? 0,
      restarts: st.restarts,
      lastExit: st.lastExit
        ? `code=${st.lastExit.code ?? '-'} signal=${st.lastExit.signal ?? '-'} at=${new Date(st.lastExit.at).toISOString()}`
        : '',
      adopted: st.adopted,
      detail: [
        down ? (st.reason ?? '') : '',
        back
          ? `restarted after it exited ${exitText(st.lastExit!)} (${st.restarts} restart${st.restarts === 1 ? '' : 's'})`
          : '',
        down || back ? describeCrashCause(m.crashCause, st.lastExit?.signal) : '',
        m.blocked && (m.restartPending || m.target) ? `restart blocked: ${m.blocked}` : '',
        m.startFailure ? `start failed: ${m.startFailure.what} exited ${exitText(m.startFailure.exit)}` : '',
        waiting.get(id) ?? '',
      ]
        .filter(Boolean)
        .join('; '),
      probeAtMs: probe ? probe.at : 0,
      probeJson: probe ? JSON.stringify(probe.result) : '',
      restartPending: m.restartPending || m.target !== undefined,
      logFiles: InstanceManager.logFiles(m.plan),
      ...((down || back) && st.lastExit
        ? { failure: exitFailure(st.lastExit, m.failureLog) }
        : m.startFailure
          ? { failure: exitFailure(m.startFailure.exit, m.startFailure.log) }
          : {}),
    });
  }
  return { appliedGeneration: applied.generation, applyError: applied.error, instances: out, sentAtMs: now };
}

/** `with code 1` / `on SIGKILL`. */
function exitText(e: { code: number | null; signal: string | null }): string {
  return e.code !== null ? `with code ${e.code}` : `on ${e.signal ?? 'a signal'}`;
}

/** How an instance last exited, with the end of its log (absent lines when none was found), on the wire. Pure. */
export function exitFailure(
  exit: NonNullable<SupervisorStatus['lastExit']>,
  log: { file: string; lines: string[] } | undefined,
): ExitFailure {
  return {
    hasExitCode: exit.code !== null,
    exitCode: exit.code ?? 0,
    signal: exit.signal ?? '',
    exitedAtMs: exit.at,
    logFile: log?.file ?? '',
    logTail: log?.lines ?? [],
  };
}

export interface ReporterDeps {
  instances: { readonly instances: ReadonlyMap<string, ReportedInstance> };
  /** Probes one instance now and records the result as its last probe. */
  probe: (instanceId: string) => Promise<unknown>;
  /** The applied generation to report and the apply error. */
  applied: () => { generation: number; error: string };
  waiting: ReadonlyMap<string, string>;
  /** Sends a report on the stream (dropped while disconnected: the next hello carries the state). */
  send: (report: StatusReport) => void;
  now: () => number;
  intervalMs: number;
}

/** How soon a state change is reported; bursts within it go out as one report. */
export const REPORT_SOON_MS = 100;

export class Reporter {
  private intervalMs: number;
  private reportTimer: NodeJS.Timeout | undefined;
  private pendingReport: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;

  constructor(private readonly deps: ReporterDeps) {
    this.intervalMs = deps.intervalMs;
  }

  statusReport(): StatusReport {
    return buildStatusReport(
      this.deps.instances.instances,
      this.deps.waiting,
      this.deps.applied(),
      this.deps.now(),
    );
  }

  sendStatus(): void {
    this.deps.send(this.statusReport());
  }

  /** A state change is reported within 100 ms, coalescing bursts. */
  reportSoon(): void {
    if (this.pendingReport || this.stopped) return;
    this.pendingReport = setTimeout(() => {
      this.pendingReport = undefined;
      this.sendStatus();
    }, REPORT_SOON_MS);
  }

  /** Changes the interval (the control plane's welcome may ask for another); restarts the loop. */
  setInterval(ms: number): void {
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    this.start();
  }

  get interval(): number {
    return this.intervalMs;
  }

  /** Probes and reports now, then every interval, until stop(). */
  start(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    const tick = () => {
      if (this.stopped) return;
      void this.probeAll().finally(() => {
        this.sendStatus();
        if (!this.stopped) this.reportTimer = setTimeout(tick, this.intervalMs);
      });
    };
    this.reportTimer = setTimeout(tick, 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.reportTimer) clearTimeout(this.reportTimer);
    if (this.pendingReport) clearTimeout(this.pendingReport);
  }

  /**
   * Probes one running instance now and sends a full report carrying that probe: the control
   * plane's `probe` query (shared PROBE_QUERY), asked when it judges a cluster's health from this
   * member's view of its peers and that view predates a peer's return (control-plane
   * leases/peer-views.ts). Resolves with when the probe was taken (ms, agent clock).
   * @throws Error when this host does not run the instance or its process is not running.
   */
  async probeNow(instanceId: string): Promise<number> {
    const m = this.deps.instances.instances.get(instanceId);
    if (!m) throw new Error(`this host does not run ${instanceId}`);
    const st = m.supervisor.status();
    if (st.state !== 'running') throw new Error(`${instanceId} is ${st.state}: nothing to probe`);
    await this.deps.probe(instanceId);
    if (!this.stopped) this.sendStatus();
    return m.lastProbe?.at ?? this.deps.now();
  }

  /** Probes every running instance at once; a round still running when the next is due is not doubled. */
  async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await Promise.all(
        [...this.deps.instances.instances].map(async ([id, m]) => {
          if (m.supervisor.status().state !== 'running') {
            delete m.lastProbe;
            return;
          }
          await this.deps.probe(id);
        }),
      );
    } finally {
      this.probing = false;
    }
  }
}
