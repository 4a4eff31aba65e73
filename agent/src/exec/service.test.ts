import type { AgentMessage, ExecStart__Output } from '@hactl/proto';
import { nullLogger } from '@hactl/shared';
import { describe, expect, it } from 'vitest';
import { EXEC_REFUSED, ExecService } from './service.js';

function start(over: Partial<ExecStart__Output>): ExecStart__Output {
  return {
    id: 'c1',
    argv: ['echo', 'hi'],
    shell: false,
    timeoutMs: 0,
    maxOutputBytes: 0,
    windowBytes: 0,
    follow: null,
    ...over,
  };
}

function service(allowExec: boolean) {
  const sent: AgentMessage[] = [];
  let onExit: (() => void) | undefined;
  const svc = new ExecService({
    allowExec,
    send: (m) => {
      sent.push(m);
      if (m.execExit) onExit?.();
      return true;
    },
    logFile: (id) => {
      throw new Error(`this host does not run ${id}`);
    },
    env: { PATH: process.env.PATH ?? '/bin' },
    logger: nullLogger,
    now: Date.now,
  });
  const exited = new Promise<void>((r) => (onExit = r));
  return { svc, sent, exited };
}

describe('ExecService', () => {
  it('without --allow-exec: refused with an error naming the flag, nothing runs', async () => {
    const { svc, sent, exited } = service(false);
    svc.start(start({}));
    await exited;
    expect(sent).toEqual([{ execExit: expect.objectContaining({ id: 'c1', error: EXEC_REFUSED }) }]);
    expect(EXEC_REFUSED).toContain('--allow-exec');
  });

  it('with --allow-exec: output then the exit; a resent id is not run again', async () => {
    const { svc, sent, exited } = service(true);
    svc.start(start({}));
    svc.start(start({}));
    await exited;
    svc.start(start({}));
    expect(sent.map((m) => Object.keys(m)[0])).toEqual(['execOutput', 'execExit']);
    expect(sent[0]!.execOutput).toMatchObject({ id: 'c1', seq: 1, stream: 'stdout' });
    expect(sent[1]!.execExit).toMatchObject({ hasExitCode: true, exitCode: 0 });
  });

  it('a log follow for an instance this host does not run ends with the reason (no --allow-exec needed)', async () => {
    const { svc, sent, exited } = service(false);
    svc.start(start({ follow: { instanceId: 'k/b1', file: 'service', tailLines: 10, sinceMs: 0 } }));
    await exited;
    expect(sent[0]!.execExit?.error).toBe('this host does not run k/b1');
  });
});
