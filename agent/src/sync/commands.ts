import fs from 'node:fs/promises';
import type { Logger } from '@hactl/shared';
import { writeFileIfChanged } from '../files/atomic.js';

export interface CommandResultMsg {
  id: string;
  ok: boolean;
  output: string;
  error: string;
}

/**
 * Remembers finished command ids (on disk), so a command the control plane resends after a crash
 * or reconnect is answered with its first result instead of being executed twice.
 */
export class CommandJournal {
  private done = new Map<string, CommandResultMsg>();
  private readonly running = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly keep = 200,
  ) {}

  async load(): Promise<void> {
    try {
      const list = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
      if (!Array.isArray(list)) throw new Error('not a list of command results');
      // Saved state: keep only well-formed entries (a result is only ever resent as it was).
      const ok = list.filter(
        (r): r is CommandResultMsg =>
          typeof r === 'object' &&
          r !== null &&
          typeof (r as CommandResultMsg).id === 'string' &&
          typeof (r as CommandResultMsg).ok === 'boolean' &&
          typeof (r as CommandResultMsg).output === 'string' &&
          typeof (r as CommandResultMsg).error === 'string',
      );
      if (ok.length !== list.length)
        this.logger.warn(
          { file: this.file, dropped: list.length - ok.length },
          'command journal entries refused',
        );
      this.done = new Map(ok.map((r) => [r.id, r]));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger.warn({ file: this.file, err: String(err) }, 'command journal unreadable; starting empty');
    }
  }

  result(id: string): CommandResultMsg | undefined {
    return this.done.get(id);
  }

  /** True when the id is new and now marked running; false for a duplicate or a finished one. */
  begin(id: string): boolean {
    if (this.done.has(id) || this.running.has(id)) return false;
    this.running.add(id);
    return true;
  }

  async finish(result: CommandResultMsg): Promise<void> {
    this.running.delete(result.id);
    this.done.set(result.id, result);
    while (this.done.size > this.keep) this.done.delete(this.done.keys().next().value!);
    await writeFileIfChanged(this.file, JSON.stringify([...this.done.values()]) + '\n', { mode: 0o600 });
  }
}
