import { StringDecoder } from 'node:string_decoder';
import { NotFoundError, ValidationError, UnavailableError, type Logger } from '@hactl/shared';
import type { ExecUp, Fleet } from '../reconcile/fleet.js';
import type { CommandHostRow, CommandRow, Store } from '../store/store.js';
import { OutputLog, type HostOutcome, type OutputEvent } from './output.js';
import type { CommandRequest, CommandTarget } from './request.js';
import {
  applyExit,
  endRun,
  isFinal,
  outcomeSummary,
  pendingRun,
  planStarts,
  succeeded,
  type HostRun,
  type HostState,
} from './state.js';
import { pickMember, resolveTargets, type TargetFleet, type TargetMember } from './targets.js';

/** `GET /v1/commands/{id}`: a command and each host's outcome (times ISO, durations ms). */
export interface CommandView {
  id: string;
  author: string;
  argv: string[];
  shell: boolean;
  target: CommandTarget;
  parallel: number;
  timeoutSec: number;
  /** running | done | cancelled */
  state: string;
  /** Every host exited with 0. */
  ok: boolean;
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  hosts: (HostOutcome & { state: HostState; outputBytes: number })[];
}

/** A stream of output events for an HTTP response; `close` detaches (and ends a log follow). */
export interface OutputStream {
  next(): Promise<OutputEvent[] | null>;
  close(): void;
}

export interface CommandServiceDeps {
  store: Store;
  fleet: Fleet;
  logger: Logger;
  now: () => number;
  newId: () => string;
}

interface Live {
  row: CommandRow;
  runs: HostRun[];
  log: OutputLog;
  decoders: Map<string, StringDecoder>;
  /** Highest output sequence number seen per host index (a resent chunk is dropped). */
  seqs: Map<number, number>;
  cancelled: boolean;
}

/** Output a command keeps for late readers while nobody reads (per command). */
const RETAIN_BYTES = 16 * 1024 * 1024;
/** Finished commands whose output stays readable in memory. */
const KEEP_FINISHED = 20;
/** How long past a command's timeout the control plane waits for a host's exit report (ms). */
const ANSWER_GRACE_MS = 30_000;
/** Credit window per host and command (agent/src/exec/flow.ts). */
const WINDOW_BYTES = 256 * 1024;

/**
 * Remote commands (`hactl exec`, `hactl logs -f`) over the agents' streams. Each command is stored
 * with its hosts (one transaction per state change: start, each host's start and end, the end) and
 * is an `audit` event when it starts and when it ends (who, argv, targets, exit codes, duration).
 * Output lives only in memory (output.ts). A host whose agent is not connected, or whose stream
 * drops, is `lost`: the agent kills its commands when its stream ends.
 */
export class CommandService {
  private readonly live = new Map<string, Live>();
  /** Agent-side id (`<command>-<idx>` or a follow's id) → its command and host. */
  private readonly execs = new Map<
    string,
    { command: string; idx: number; hostId: string; timer: NodeJS.Timeout }
  >();
  private readonly follows = new Map<string, { hostId: string; log: OutputLog; decoder: StringDecoder }>();
  private readonly finished: string[] = [];

  /**
   * Commands stored as running belong to an earlier life of this control plane: their output
   * streams are gone and their agents killed them when the streams dropped. Their unfinished hosts
   * become `lost` and the commands end, in one transaction.
   */
  constructor(private readonly d: CommandServiceDeps) {
    const orphans = d.store.listCommandsIn('running');
    if (!orphans.length) return;
    const now = d.now();
    d.store.transaction(() => {
      for (const c of orphans) {
        for (const h of d.store.listCommandHosts(c.id))
          if (h.state === 'pending' || h.state === 'running')
            d.store.updateCommandHost({
              ...h,
              state: 'lost',
              error: 'the control plane restarted while the command ran',
              finished_at: now,
            });
        d.store.updateCommand(c.id, { state: 'done', finished_at: now });
      }
    });
    d.logger.warn({ commands: orphans.length }, 'commands of an earlier run marked lost');
  }

  /**
   * Starts `req` for `author` (the token name): resolves the target, stores the command, starts
   * the first `parallel` hosts.
   * @throws ValidationError naming every target problem.
   */
  start(req: CommandRequest, author: string): CommandView {
    const { hosts, problems } = resolveTargets(req.target, this.targetFleet());
    if (problems.length) throw new ValidationError('invalid command target', problems);
    const now = this.d.now();
    const id = this.d.newId();
    const row: CommandRow = {
      id,
      author,
      argv_json: JSON.stringify(req.argv),
      shell: req.shell ? 1 : 0,
      target_json: JSON.stringify(req.target),
      parallel: req.parallel,
      timeout_ms: req.timeoutSec * 1000,
      state: 'running',
      created_at: now,
      finished_at: null,
    };
    const runs = hosts.map((h, idx) => pendingRun(idx, h.id, h.name));
    this.d.store.transaction(() => {
      this.d.store.insertCommand(
        row,
        runs.map((r) => hostRow(id, r)),
      );
      this.d.store.appendEvent({
        at: now,
        type: 'audit',
        cluster: req.target.cluster ?? null,
        host: null,
        message: `${author}: exec ${JSON.stringify(req.argv)} on ${hosts.map((h) => h.name).join(', ')}`,
        data_json: JSON.stringify({
          token: author,
          command: id,
          argv: req.argv,
          shell: req.shell,
          target: req.target,
          hosts: hosts.map((h) => h.name),
        }),
      });
    });
    this.d.logger.info({ command: id, author, hosts: hosts.length }, 'command started');
    const live: Live = {
      row,
      runs,
      log: new OutputLog(RETAIN_BYTES),
      decoders: new Map(),
      seqs: new Map(),
      cancelled: false,
    };
    this.live.set(id, live);
    this.advance(live);
    return this.view(id);
  }

  /** The command's stored state. @throws NotFoundError. */
  view(id: string): CommandView {
    const row = this.d.store.getCommand(id);
    if (!row) throw new NotFoundError('command', id);
    return toView(row, this.d.store.listCommandHosts(id));
  }

  /**
   * Cancels a running command: pending hosts never start, running ones get an ExecCancel (their
   * agent kills the process group). A finished command is returned as it is.
   * @throws NotFoundError.
   */
  cancel(id: string, who: string): CommandView {
    const live = this.live.get(id);
    if (!live || live.row.state !== 'running') return this.view(id);
    live.cancelled = true;
    this.d.logger.info({ command: id, by: who }, 'command cancelled');
    const now = this.d.now();
    for (const r of live.runs) {
      if (r.state === 'pending') this.setRun(live, endRun(r, 'cancelled', `cancelled by ${who}`, now));
      else if (r.state === 'running')
        this.d.fleet.sendExec(r.hostId, {
          execCancel: { id: execId(id, r.idx), reason: `cancelled by ${who}` },
        });
    }
    this.advance(live);
    return this.view(id);
  }

  /**
   * The command's output as events, from the oldest kept. A command whose output is no longer in
   * memory (older, or from before a restart) yields each host's exit and the end.
   * @throws NotFoundError.
   */
  output(id: string): OutputStream {
    const live = this.live.get(id);
    if (live) return live.log.reader();
    const v = this.view(id);
    const events: OutputEvent[] = [
      { type: 'dropped', events: -1 },
      ...v.hosts.map((h) => exitEvent(h)),
      { type: 'end', state: v.state },
    ];
    let done = false;
    return {
      next: () => Promise.resolve(done ? null : ((done = true), events)),
      close: () => undefined,
    };
  }

  /**
   * Follows a member's log (`hactl logs -f`) until the returned stream is closed: read-only, so
   * neither stored nor audited, and allowed without --allow-exec. `tailLines` of the existing log
   * first, only those stamped within `sinceAgoMs` (0: all).
   * @throws NotFoundError (cluster or member), ValidationError (ambiguous member), UnavailableError (agent not connected).
   */
  follow(
    cluster: string,
    member: string,
    o: { file: 'service' | 'out'; tailLines: number; sinceAgoMs: number },
  ): { host: string; instance: string; stream: OutputStream } {
    const members = this.targetFleet().members(cluster);
    if (!members) throw new NotFoundError('cluster', cluster);
    const m = pickMember(cluster, member, members);
    const id = `f${this.d.newId()}`;
    const log = new OutputLog(RETAIN_BYTES);
    const sent = this.d.fleet.sendExec(m.hostId, {
      execStart: {
        id,
        argv: [],
        shell: false,
        timeoutMs: 0,
        maxOutputBytes: 0,
        windowBytes: WINDOW_BYTES,
        follow: {
          instanceId: m.instance,
          file: o.file,
          tailLines: o.tailLines,
          // --since 10m: lines stamped after now - 10m, in this control plane's clock.
          sinceMs: o.sinceAgoMs > 0 ? this.d.now() - o.sinceAgoMs : 0,
        },
      },
    });
    if (!sent) throw new UnavailableError(`the agent on ${m.host} is not connected`);
    this.follows.set(id, { hostId: m.hostId, log, decoder: new StringDecoder('utf8') });
    const reader = log.reader();
    return {
      host: m.host,
      instance: m.instance,
      stream: {
        next: () => reader.next(),
        close: () => {
          reader.close();
          if (this.follows.delete(id))
            this.d.fleet.sendExec(m.hostId, { execCancel: { id, reason: 'reader gone' } });
        },
      },
    };
  }

  /** Output and exits from an agent (the gRPC layer checked their shape). */
  onAgentMessage(hostId: string, msg: ExecUp): void {
    const id = 'execOutput' in msg ? msg.execOutput.id : msg.execExit.id;
    const f = this.follows.get(id);
    if (f) {
      if (f.hostId !== hostId) return;
      if ('execOutput' in msg) {
        const bytes = msg.execOutput.data.length;
        f.log.append(
          { type: 'output', host: '', stream: 'stdout', data: f.decoder.write(msg.execOutput.data) },
          () => this.d.fleet.sendExec(hostId, { execCredit: { id, bytes } }),
        );
      } else {
        f.log.append({ type: 'exit', host: '', ...exitFields(msg.execExit) });
        f.log.append({ type: 'end', state: msg.execExit.error ? 'failed' : 'done' });
        this.follows.delete(id);
      }
      return;
    }
    const e = this.execs.get(id);
    // Only the host a command was sent to may report for it.
    if (!e || e.hostId !== hostId) return;
    const live = this.live.get(e.command);
    const run = live?.runs[e.idx];
    if (!live || !run || isFinal(run.state)) return;
    if ('execOutput' in msg) {
      const o = msg.execOutput;
      if (o.seq <= (live.seqs.get(e.idx) ?? 0)) return;
      live.seqs.set(e.idx, o.seq);
      const key = `${e.idx}:${o.stream}`;
      let dec = live.decoders.get(key);
      if (!dec) live.decoders.set(key, (dec = new StringDecoder('utf8')));
      const bytes = o.data.length;
      live.log.append({ type: 'output', host: run.host, stream: o.stream, data: dec.write(o.data) }, () =>
        this.d.fleet.sendExec(hostId, { execCredit: { id, bytes } }),
      );
      return;
    }
    clearTimeout(e.timer);
    this.execs.delete(id);
    this.setRun(live, applyExit(run, msg.execExit, this.d.now()));
    this.advance(live);
  }

  /**
   * Stops waiting for exit reports: clears the timers that would mark a silent host's command lost
   * (see `expire`). The control plane calls it when its term ends, after the agent streams closed;
   * a timer left running would write to a store that is closing.
   */
  stop(): void {
    for (const e of this.execs.values()) clearTimeout(e.timer);
    this.execs.clear();
  }

  /** A host's stream ended: its running commands are lost (its agent kills them) and its follows end. */
  onAgentDisconnected(hostId: string): void {
    for (const [id, f] of this.follows) {
      if (f.hostId !== hostId) continue;
      f.log.append({ type: 'end', state: 'lost' });
      this.follows.delete(id);
    }
    const now = this.d.now();
    for (const [id, e] of this.execs) {
      if (e.hostId !== hostId) continue;
      clearTimeout(e.timer);
      this.execs.delete(id);
      const live = this.live.get(e.command);
      const run = live?.runs[e.idx];
      if (!live || !run || isFinal(run.state)) continue;
      this.setRun(live, endRun(run, 'lost', 'the agent disconnected while the command ran', now));
      this.advance(live);
    }
  }

  /** Starts what `parallel` allows; ends the command when every host is final. */
  private advance(live: Live): void {
    const now = this.d.now();
    // Hosts that cannot start (not connected) are final at once and free their slot: go on
    // until every slot is taken or nothing is pending.
    for (let starts = planStarts(live.runs, live.row.parallel, live.cancelled); starts.length;) {
      for (const r of starts) this.startRun(live, r, now);
      starts = planStarts(live.runs, live.row.parallel, live.cancelled);
    }
    if (live.row.state !== 'running' || !live.runs.every((r) => isFinal(r.state))) return;
    this.finish(live, now);
  }

  private startRun(live: Live, r: HostRun, now: number): void {
    const id = execId(live.row.id, r.idx);
    const sent = this.d.fleet.sendExec(r.hostId, {
      execStart: {
        id,
        argv: JSON.parse(live.row.argv_json) as string[],
        shell: live.row.shell === 1,
        timeoutMs: live.row.timeout_ms,
        maxOutputBytes: 0,
        windowBytes: WINDOW_BYTES,
      },
    });
    if (!sent) return this.setRun(live, endRun(r, 'lost', `the agent on ${r.host} is not connected`, now));
    // The agent kills the command at its timeout and reports; one that never does (an agent from
    // before streaming commands ignores ExecStart) must not hold the command open forever.
    const timer = setTimeout(() => this.expire(id), live.row.timeout_ms + ANSWER_GRACE_MS);
    timer.unref();
    this.execs.set(id, { command: live.row.id, idx: r.idx, hostId: r.hostId, timer });
    this.setRun(live, { ...r, state: 'running', startedAt: now });
  }

  /** A host that did not report its command's end in time: cancelled there, lost here. */
  private expire(id: string): void {
    const e = this.execs.get(id);
    if (!e) return;
    this.execs.delete(id);
    const live = this.live.get(e.command);
    const run = live?.runs[e.idx];
    if (!live || !run || isFinal(run.state)) return;
    this.d.fleet.sendExec(e.hostId, { execCancel: { id, reason: 'no exit report in time' } });
    const waited = Math.round((live.row.timeout_ms + ANSWER_GRACE_MS) / 1000);
    this.setRun(
      live,
      endRun(
        run,
        'lost',
        `no exit report from the agent on ${run.host} within ${waited} s (is it older than streaming commands?)`,
        this.d.now(),
      ),
    );
    this.advance(live);
  }

  private finish(live: Live, now: number): void {
    const state = live.cancelled ? 'cancelled' : 'done';
    live.row = { ...live.row, state, finished_at: now };
    const summary = outcomeSummary(live.runs);
    const duration = now - live.row.created_at;
    this.d.store.transaction(() => {
      this.d.store.updateCommand(live.row.id, { state, finished_at: now });
      this.d.store.appendEvent({
        at: now,
        type: 'audit',
        cluster: (JSON.parse(live.row.target_json) as CommandTarget).cluster ?? null,
        host: null,
        message: `${live.row.author}: exec ${live.row.argv_json} ${state}: ${summary} (${duration} ms)`,
        data_json: JSON.stringify({
          token: live.row.author,
          command: live.row.id,
          argv: JSON.parse(live.row.argv_json) as unknown,
          state,
          ok: live.runs.every(succeeded),
          durationMs: duration,
          hosts: live.runs.map((r) => ({
            host: r.host,
            state: r.state,
            exitCode: r.exitCode,
            signal: r.signal,
          })),
        }),
      });
    });
    live.log.append({ type: 'end', state });
    this.d.logger.info({ command: live.row.id, state, outcome: summary }, 'command finished');
    this.finished.push(live.row.id);
    while (this.finished.length > KEEP_FINISHED) this.live.delete(this.finished.shift()!);
  }

  /** Stores a host's new state (one transaction) and, when final, tells the readers. */
  private setRun(live: Live, r: HostRun): void {
    live.runs[r.idx] = r;
    this.d.store.updateCommandHost(hostRow(live.row.id, r));
    if (isFinal(r.state)) live.log.append(exitEvent(viewHost(hostRow(live.row.id, r))));
  }

  private targetFleet(): TargetFleet {
    const fleet = this.d.fleet;
    const names = new Set(fleet.snapshot().clusters.keys());
    return {
      hosts: fleet.listHosts(),
      members: (cluster) => {
        if (!names.has(cluster)) return undefined;
        const { members, plans } = fleet.memberMap(cluster);
        return plans.map((p): TargetMember => ({
          instance: p.id,
          hostId: p.hostId,
          host: members.get(p.id)?.host ?? p.hostId,
          id: members.get(p.id)?.id ?? p.id,
          role: p.role,
        }));
      },
    };
  }
}

function execId(command: string, idx: number): string {
  return `${command}-${idx}`;
}

function hostRow(commandId: string, r: HostRun): CommandHostRow {
  return {
    command_id: commandId,
    idx: r.idx,
    host_id: r.hostId,
    host: r.host,
    state: r.state,
    exit_code: r.exitCode,
    signal: r.signal,
    error: r.error,
    output_bytes: r.outputBytes,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

function viewHost(h: CommandHostRow): CommandView['hosts'][number] {
  return {
    host: h.host,
    state: h.state as HostState,
    exitCode: h.exit_code,
    signal: h.signal,
    error: h.error,
    outputBytes: h.output_bytes,
    durationMs: h.started_at !== null && h.finished_at !== null ? h.finished_at - h.started_at : null,
  };
}

function exitEvent(h: CommandView['hosts'][number]): OutputEvent {
  const { outputBytes: _bytes, ...outcome } = h;
  return { type: 'exit', ...outcome };
}

function exitFields(e: Extract<ExecUp, { execExit: unknown }>['execExit']) {
  return {
    state: e.error ? 'failed' : e.cancelled ? 'cancelled' : e.hasExitCode ? 'exited' : 'killed',
    exitCode: e.hasExitCode ? e.exitCode : null,
    signal: e.signal,
    error: e.error,
    durationMs: e.durationMs,
  };
}

function toView(row: CommandRow, hosts: CommandHostRow[]): CommandView {
  const views = hosts.map(viewHost);
  return {
    id: row.id,
    author: row.author,
    argv: JSON.parse(row.argv_json) as string[],
    shell: row.shell === 1,
    target: JSON.parse(row.target_json) as CommandTarget,
    parallel: row.parallel,
    timeoutSec: row.timeout_ms / 1000,
    state: row.state,
    ok: row.state === 'done' && views.every((h) => h.state === 'exited' && h.exitCode === 0),
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    durationMs: row.finished_at === null ? null : row.finished_at - row.created_at,
    hosts: views,
  };
}
