import type { AgentMessage, ExecStart__Output } from '@hactl/proto';
import type { Logger } from '@hactl/shared';
import { startFollow } from './follow.js';
import { startExec, type ExecEnd, type ExecSink, type RunningExec } from './runner.js';

export interface ExecServiceDeps {
  /** `--allow-exec`: without it arbitrary commands are refused (log following is always allowed). */
  allowExec: boolean;
  /** Sends on the agent stream; false when not connected (the message is dropped). */
  send: (msg: AgentMessage) => boolean;
  /** The log file of an instance this host runs (`service` or `out`); throws for an unknown one. */
  logFile: (instanceId: string, which: string) => string;
  env: Record<string, string>;
  logger: Logger;
  now: () => number;
}

/** Why an arbitrary command is refused on an agent without --allow-exec (shown to the operator). */
export const EXEC_REFUSED =
  'this agent was started without --allow-exec: arbitrary commands are refused (restart the agent with --allow-exec to allow them)';

/** How many finished command ids are remembered, so a resent ExecStart is not run twice. */
const KEEP_FINISHED = 500;

/**
 * The agent's half of streaming commands: starts each ExecStart once (by id), passes credit and
 * cancels to it, and sends its output and final ExecExit on the stream. Commands die with the
 * stream (`cancelAll` on disconnect): nobody could receive their output, and a control plane that
 * comes back has already marked them lost.
 */
export class ExecService {
  private readonly running = new Map<string, RunningExec>();
  private readonly finished = new Set<string>();

  constructor(private readonly d: ExecServiceDeps) {}

  start(msg: ExecStart__Output): void {
    const id = msg.id;
    if (!id || this.running.has(id) || this.finished.has(id)) return;
    const started = this.d.now();
    const sink: ExecSink = {
      output: (c) => void this.d.send({ execOutput: { id, seq: c.seq, stream: c.stream, data: c.data } }),
      end: (r) => this.end(id, r),
    };
    const refuse = (error: string): void =>
      this.end(id, {
        hasExitCode: false,
        exitCode: 0,
        signal: '',
        timedOut: false,
        capped: false,
        cancelled: false,
        error,
        outputBytes: 0,
        durationMs: this.d.now() - started,
      });
    if (msg.follow) {
      let file: string;
      try {
        file = this.d.logFile(msg.follow.instanceId, msg.follow.file || 'service');
      } catch (err) {
        return refuse(err instanceof Error ? err.message : String(err));
      }
      this.d.logger.info({ command: id, instance: msg.follow.instanceId, file }, 'following log');
      this.running.set(
        id,
        startFollow(
          {
            file,
            tailLines: Math.min(msg.follow.tailLines, 5000),
            sinceMs: msg.follow.sinceMs,
            windowBytes: msg.windowBytes,
          },
          sink,
          { pollMs: 250, now: this.d.now },
        ),
      );
      return;
    }
    if (!this.d.allowExec) {
      this.d.logger.warn({ command: id }, 'exec refused: agent started without --allow-exec');
      return refuse(EXEC_REFUSED);
    }
    if (msg.argv.length === 0 || (msg.shell && msg.argv.length !== 1))
      return refuse(msg.shell ? 'a shell command is one string' : 'argv is empty');
    this.d.logger.info({ command: id, argv: msg.argv, shell: msg.shell }, 'exec started');
    this.running.set(
      id,
      startExec(
        {
          id,
          argv: msg.argv,
          shell: msg.shell,
          timeoutMs: msg.timeoutMs,
          maxOutputBytes: msg.maxOutputBytes,
          windowBytes: msg.windowBytes,
        },
        sink,
        { env: this.d.env, killGraceMs: 5000, now: this.d.now },
      ),
    );
  }

  credit(id: string, bytes: number): void {
    this.running.get(id)?.credit(bytes);
  }

  cancel(id: string, reason: string): void {
    const r = this.running.get(id);
    if (!r) return;
    this.d.logger.info({ command: id, reason: reason.slice(0, 200) }, 'exec cancelled');
    r.cancel(reason);
  }

  /** Cancels every running command (the stream is gone) and waits until each has ended. */
  async cancelAll(reason: string): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.cancel(reason);
    await Promise.all(all.map((r) => r.done));
  }

  private end(id: string, r: ExecEnd): void {
    this.running.delete(id);
    this.finished.add(id);
    if (this.finished.size > KEEP_FINISHED) this.finished.delete(this.finished.values().next().value!);
    this.d.logger.info(
      {
        command: id,
        exit_code: r.hasExitCode ? r.exitCode : null,
        signal: r.signal,
        error: r.error || undefined,
      },
      'exec ended',
    );
    this.d.send({ execExit: { id, ...r } });
  }
}
