import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../core.js';
import type { ExecDown } from '../reconcile/fleet.js';
import { commandTestApp, execAgentSession, type CommandTestApp } from '../commands/testing.js';
import { exitReport, type ExitReport } from '../commands/state.js';
import { planExecRequest } from './commands/exec.js';
import { runCli, type CliIo } from './run.js';
import { timerSleep } from './io.js';
import { fakeIo } from './fake-io.js';

/**
 * `hactl exec` in-process against the real app: fake agents answer ExecStart on the fleet the way
 * the gRPC layer passes agents' messages on.
 */
let t: CommandTestApp;
let core: Core;
let io: () => CliIo & { out: () => string; err: () => string; interrupt: () => void };
let agentReply: (host: string, hostId: string, id: string, msg: ExecDown) => void;
const received: ExecDown[] = [];

const hostId = (name: string) => core.fleet.listHosts().find((h) => h.name === name)!.id;
const out = (host: string, id: string, seq: number, stream: 'stdout' | 'stderr', text: string) =>
  core.fleet.onExecMessage(hostId(host), { execOutput: { id, seq, stream, data: Buffer.from(text) } });
const exit = (host: string, id: string, over: Partial<ExitReport> = {}) =>
  core.fleet.onExecMessage(hostId(host), {
    execExit: { id, durationMs: 1200, ...exitReport(over) },
  });

beforeEach(() => {
  t = commandTestApp('hactl-cli-exec-', Date.now);
  core = t.core;
  const { app, adminToken } = t;
  received.length = 0;
  for (const name of ['kafka1', 'kafka2']) {
    const session = execAgentSession((msg) => {
      received.push(msg);
      const id = 'execStart' in msg ? msg.execStart.id! : 'execCancel' in msg ? msg.execCancel.id : '';
      if (!('execCredit' in msg)) queueMicrotask(() => agentReply(name, hostId(name), id, msg));
    });
    core.fleet.connectAgent(
      {
        name,
        address: `127.0.32.${name.slice(-1)}`,
        agentVersion: 't',
        dataRoot: '/d',
        labels: { tier: 'ssd' },
        facts: {},
      },
      session,
    );
  }
  io = () => {
    let o = '';
    let e = '';
    let onInt: (() => void) | undefined;
    const request = (req: { method: string; url: string; headers: Record<string, string>; body?: string }) =>
      app.request(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: req.body }),
      });
    return {
      http: async (req) => {
        const res = await request(req);
        return { status: res.status, statusText: res.statusText, body: await res.text() };
      },
      httpStream: async (req) => {
        const res = await request(req);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        return {
          status: res.status,
          statusText: res.statusText,
          headers: Object.fromEntries(res.headers.entries()),
          body: {
            async *[Symbol.asyncIterator]() {
              for (;;) {
                const { done, value } = await reader.read();
                if (done) return;
                yield value;
              }
            },
          },
          close: () => void reader.cancel().catch(() => undefined),
        };
      },
      onInterrupt: (h) => {
        onInt = h;
        return () => (onInt = undefined);
      },
      stdout: (s) => (o += s),
      stderr: (s) => (e += s),
      env: { HACTL_SERVER: 'http://cp.test', HACTL_TOKEN: adminToken },
      readFile: () => Promise.reject(new Error('no files')),
      readStdin: async () => '',
      isTty: false,
      now: Date.now,
      sleep: timerSleep,
      out: () => o,
      err: () => e,
      interrupt: () => onInt?.(),
    };
  };
});
afterEach(() => t.dispose());

describe('hactl exec', () => {
  it('--label: output prefixed per host, stderr apart, summary table, exit 1 when a host failed', async () => {
    agentReply = (host, _h, id, msg) => {
      if (!('execStart' in msg)) return;
      out(host, id, 1, 'stdout', `Filesystem Size\n/dev/sda1 ${host === 'kafka1' ? '10G' : '20G'}`);
      out(host, id, 2, 'stdout', '\n');
      if (host === 'kafka2') out(host, id, 3, 'stderr', 'warning\n');
      exit(host, id, host === 'kafka2' ? { exitCode: 3 } : {});
    };
    const x = io();
    const code = await runCli(['exec', '--label', 'tier=ssd', '--', 'df', '-h', '/'], x);
    expect(received[0]).toEqual({
      execStart: expect.objectContaining({ argv: ['df', '-h', '/'], shell: false }),
    });
    expect(x.out()).toBe(
      'kafka1 | Filesystem Size\nkafka1 | /dev/sda1 10G\nkafka2 | Filesystem Size\nkafka2 | /dev/sda1 20G\n',
    );
    expect(x.err()).toContain('kafka2 | warning\n');
    expect(x.err()).toMatch(/HOST\s+STATE\s+EXIT\s+DURATION\s+ERROR\nkafka1\s+exited\s+0\s+/);
    expect(x.err()).toMatch(/kafka2\s+exited\s+3/);
    expect(code).toBe(1);
  });

  it('one host, every host exits 0 → exit 0; --shell, --timeout and --parallel go into the request', async () => {
    agentReply = (host, _h, id, msg) => {
      if ('execStart' in msg) exit(host, id);
    };
    const x = io();
    const code = await runCli(
      ['exec', 'kafka1', '--shell', '--timeout', '1m', '--parallel', '2', '--', 'ls | wc -l'],
      x,
    );
    expect(code).toBe(0);
    expect(received[0]).toEqual({
      execStart: expect.objectContaining({ argv: ['ls | wc -l'], shell: true, timeoutMs: 60_000 }),
    });
  });

  it('Ctrl-C cancels the remote command, waits for the hosts to confirm, exits 130', async () => {
    const x = io();
    agentReply = (host, _h, id, msg) => {
      if ('execStart' in msg) {
        out(host, id, 1, 'stdout', 'working\n');
        // The operator presses Ctrl-C once output arrived.
        setTimeout(() => x.interrupt(), 10);
      } else if ('execCancel' in msg)
        exit(host, id, { hasExitCode: false, signal: 'SIGTERM', cancelled: true });
    };
    const code = await runCli(['exec', 'kafka1', '--', 'sleep', '100'], x);
    expect(received.some((m) => 'execCancel' in m)).toBe(true);
    expect(x.err()).toMatch(/cancelling command/);
    expect(x.err()).toMatch(/kafka1\s+cancelled\s+SIGTERM/);
    expect(code).toBe(130);
  });

  it('an agent without --allow-exec: its refusal shows in the summary and the exit is 1', async () => {
    agentReply = (host, _h, id, msg) => {
      if ('execStart' in msg)
        exit(host, id, { hasExitCode: false, error: 'this agent was started without --allow-exec' });
    };
    const x = io();
    expect(await runCli(['exec', 'kafka1', '--', 'id'], x)).toBe(1);
    expect(x.err()).toMatch(/kafka1\s+failed\s+-\s+\S+\s+this agent was started without --allow-exec/);
  });
});

describe('hactl exec with the -- forgotten', () => {
  it.each([
    [
      '-h after the program: not taken for help',
      ['exec', 'kafka1', 'df', '-h'],
      "error: unknown option '-h'",
    ],
    ['another option after the program', ['exec', 'kafka1', 'ls', '-la'], "error: unknown option '-la'"],
  ])('%s → exit 2 with where the command goes, nothing sent', async (_n, argv, message) => {
    const x = fakeIo();
    expect(await runCli(argv, x)).toBe(2);
    expect(x.requests).toEqual([]);
    expect(x.err()).toContain(message);
    expect(x.err()).toContain('the command and its arguments go after --');
  });

  it('--help still prints the help', async () => {
    const x = fakeIo();
    expect(await runCli(['exec', '--help'], x)).toBe(0);
    expect(x.out()).toContain('hactl exec kafka1 -- df -h /');
  });
});

describe('planExecRequest', () => {
  it.each<[string, string[], string[], Record<string, unknown>, Record<string, unknown> | RegExp]>([
    ['a host', ['kafka1'], ['uptime'], {}, { target: { hosts: ['kafka1'] }, argv: ['uptime'], shell: false }],
    ['a member', ['kafka-main/kafka2'], ['id'], {}, { target: { members: ['kafka-main/kafka2'] } }],
    [
      'cluster and role',
      [],
      ['id'],
      { cluster: 'k', role: 'broker' },
      { target: { cluster: 'k', role: 'broker' } },
    ],
    ['nothing after --', ['kafka1'], [], {}, /after --/],
    ['two targets', ['a', 'b'], ['id'], {}, /one TARGET/],
    ['no target at all', [], ['id'], {}, /name a TARGET/],
    ['--role alone', [], ['id'], { role: 'broker' }, /--role needs --cluster/],
    ['bad label', [], ['id'], { label: ['rack'] }, /KEY=VALUE/],
    ['bad timeout', ['h'], ['id'], { timeout: 'soon' }, /--timeout/],
  ])('%s', (_n, t, c, f, want) => {
    const run = () => planExecRequest(t, c, { label: [], ...f });
    if (want instanceof RegExp) expect(run).toThrow(want);
    else expect(run()).toMatchObject(want);
  });
});
