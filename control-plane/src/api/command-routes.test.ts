import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nullLogger } from '@hactl/shared';
import { createCore, type Core } from '../core.js';
import type { AgentSession, ExecDown } from '../reconcile/fleet.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { commandTestApp, execAgentSession, type CommandTestApp } from '../commands/testing.js';
import { exitReport, type ExitReport } from '../commands/state.js';
import { withBearer } from '../trust/testing.js';
import { requiredScope } from '../trust/policy.js';

let t: CommandTestApp;
let store: SqliteStore;
let core: Core;
let app: CommandTestApp['app'];
let admin: ReturnType<typeof withBearer>;
let tokens: { exec: string; write: string; read: string };
/** What each host's fake agent received. */
const received = new Map<string, ExecDown[]>();
/** How each fake agent answers an ExecStart (default: prints "hello from HOST", exits 0). */
let behave: (host: string, id: string, down: ExecDown) => void;

function session(host: string): AgentSession {
  return execAgentSession((msg) => {
    received.get(host)!.push(msg);
    if ('execStart' in msg) queueMicrotask(() => behave(host, msg.execStart.id!, msg));
  });
}

const output = (host: string, id: string, seq: number, text: string) =>
  core.fleet.onExecMessage(host, {
    execOutput: { id, seq, stream: 'stdout', data: Buffer.from(text) },
  });
const exit = (host: string, id: string, over: Partial<ExitReport> = {}) =>
  core.fleet.onExecMessage(host, {
    execExit: { id, durationMs: 3, ...exitReport(over) },
  });

beforeEach(() => {
  t = commandTestApp('hactl-cmd-api-', () => 1_800_000_000_000);
  ({ store, core, app } = t);
  const { trust, adminToken } = t;
  tokens = {
    exec: trust.createApiToken('ops', ['exec']),
    write: trust.createApiToken('deployer', ['write']),
    read: trust.createApiToken('viewer', ['read']),
  };
  admin = withBearer(app, adminToken);
  received.clear();
  behave = (host, id) => {
    const hostId = core.fleet.listHosts().find((h) => h.name === host)!.id;
    output(hostId, id, 1, `hello from ${host}\n`);
    exit(hostId, id);
  };
  for (const i of [1, 2, 3]) {
    received.set(`k${i}`, []);
    core.fleet.connectAgent(
      {
        name: `k${i}`,
        address: `127.0.32.${i}`,
        agentVersion: 't',
        dataRoot: '/d',
        labels: { rack: i === 3 ? 'r2' : 'r1' },
        facts: {},
      },
      session(`k${i}`),
    );
  }
});
afterEach(() => t.dispose());

const post = (body: unknown, token?: string) =>
  (token ? withBearer(app, token) : admin).request('/v1/commands', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

async function lines(res: Response): Promise<Record<string, unknown>[]> {
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('POST /v1/commands', () => {
  it('hosts by label: each runs the argv; output streams as NDJSON with host prefixes; state and exit codes stored', async () => {
    const res = await post({ target: { labels: { rack: 'r1' } }, argv: ['df', '-h', '/'] });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(received.get('k1')![0]).toEqual({
      execStart: expect.objectContaining({
        id: `${id}-0`,
        argv: ['df', '-h', '/'],
        shell: false,
        timeoutMs: 300_000,
      }),
    });
    expect(received.get('k3')).toEqual([]);
    const events = await lines(await admin.request(`/v1/commands/${id}/output`));
    expect(events.filter((e) => e.type === 'output')).toEqual([
      { type: 'output', host: 'k1', stream: 'stdout', data: 'hello from k1\n' },
      { type: 'output', host: 'k2', stream: 'stdout', data: 'hello from k2\n' },
    ]);
    expect(events.at(-1)).toEqual({ type: 'end', state: 'done' });
    const view = (await (await admin.request(`/v1/commands/${id}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      state: 'done',
      ok: true,
      author: 'admin',
      hosts: [
        { host: 'k1', state: 'exited', exitCode: 0 },
        { host: 'k2', state: 'exited', exitCode: 0 },
      ],
    });
    // Each chunk was credited back to its agent once passed on.
    expect(received.get('k1')).toContainEqual({ execCredit: { id: `${id}-0`, bytes: 14 } });
  });

  it('parallel 1: the second host starts only after the first ended', async () => {
    let first: { host: string; id: string } | undefined;
    behave = (host, id) => (first ??= { host, id });
    const res = await post({ target: { hosts: ['k1', 'k2'] }, argv: ['true'], parallel: 1 });
    const { id } = (await res.json()) as { id: string };
    await new Promise((r) => setImmediate(r));
    expect(received.get('k2')).toEqual([]);
    exit(core.fleet.listHosts().find((h) => h.name === 'k1')!.id, `${id}-0`, { exitCode: 2 });
    expect(received.get('k2')![0]).toHaveProperty('execStart');
  });

  it('cancel: running hosts get an ExecCancel, the command ends cancelled; audit events say who, argv, outcome', async () => {
    behave = () => undefined;
    const { id } = (await (await post({ target: { hosts: ['k1'] }, argv: ['sleep', '100'] })).json()) as {
      id: string;
    };
    const del = await admin.request(`/v1/commands/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(received.get('k1')).toContainEqual({
      execCancel: { id: `${id}-0`, reason: 'cancelled by admin' },
    });
    const k1 = core.fleet.listHosts().find((h) => h.name === 'k1')!.id;
    exit(k1, `${id}-0`, { hasExitCode: false, signal: 'SIGTERM', cancelled: true });
    const view = (await (await admin.request(`/v1/commands/${id}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      state: 'cancelled',
      ok: false,
      hosts: [{ host: 'k1', state: 'cancelled' }],
    });
    const events = (await (await admin.request('/v1/events')).json()) as {
      events: { type: string; message: string; data: Record<string, unknown> }[];
    };
    const audit = events.events.filter((e) => e.type === 'audit').map((e) => e.message);
    expect(audit).toContainEqual(`admin: exec ["sleep","100"] on k1`);
    expect(audit).toContainEqual(
      expect.stringMatching(/^admin: exec \["sleep","100"\] cancelled: k1=cancelled \(\d+ ms\)$/),
    );
  });

  it('a host whose agent is not connected is lost; the others run', async () => {
    const k2 = core.fleet.listHosts().find((h) => h.name === 'k2')!;
    core.fleet.closeAllSessions('test');
    core.fleet.connectAgent(
      { name: 'k1', address: '127.0.32.1', agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session('k1'),
    );
    const { id } = (await (await post({ target: { hosts: ['k1', k2.name] }, argv: ['uptime'] })).json()) as {
      id: string;
    };
    await new Promise((r) => setImmediate(r));
    const view = (await (await admin.request(`/v1/commands/${id}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      state: 'done',
      ok: false,
      hosts: [
        { host: 'k1', state: 'exited', exitCode: 0 },
        { host: 'k2', state: 'lost', error: 'the agent on k2 is not connected' },
      ],
    });
  });

  it('after a control-plane restart, a command that was running is done with its unfinished hosts lost', async () => {
    behave = () => undefined;
    const { id } = (await (await post({ target: { hosts: ['k1'] }, argv: ['sleep', '9'] })).json()) as {
      id: string;
    };
    const again = createCore({
      store,
      logger: nullLogger,
      now: () => 1_800_000_000_500,
      reportIntervalMs: 1000,
      leaseTtlMs: 1000,
      randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
      newId: () => 'ffffff',
    });
    expect(again.commands.view(id)).toMatchObject({
      state: 'done',
      ok: false,
      hosts: [{ host: 'k1', state: 'lost', error: 'the control plane restarted while the command ran' }],
    });
  });

  it('a host that never reports (an agent older than streaming commands) is lost 30 s after the timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      behave = () => undefined;
      const res = await post({ target: { hosts: ['k1'] }, argv: ['true'], timeoutSec: 5 });
      const { id } = (await res.json()) as { id: string };
      vi.advanceTimersByTime(34_000);
      expect(core.commands.view(id).state).toBe('running');
      vi.advanceTimersByTime(2_000);
      expect(core.commands.view(id)).toMatchObject({
        state: 'done',
        hosts: [
          { state: 'lost', error: expect.stringMatching(/no exit report from the agent on k1 within 35 s/) },
        ],
      });
      expect(received.get('k1')).toContainEqual({
        execCancel: { id: `${id}-0`, reason: 'no exit report in time' },
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a term that ended stops waiting for exit reports: no timer marks its hosts lost afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      behave = () => undefined;
      const res = await post({ target: { hosts: ['k1'] }, argv: ['true'], timeoutSec: 5 });
      const { id } = (await res.json()) as { id: string };
      core.commands.stop();
      vi.advanceTimersByTime(60_000);
      // Still as stored: the next leader's core finds it running and ends it (see above).
      expect(core.commands.view(id).state).toBe('running');
      expect(received.get('k1')).not.toContainEqual(
        expect.objectContaining({ execCancel: expect.anything() }),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('an agent that reports for a command sent to another host is ignored', async () => {
    behave = () => undefined;
    const { id } = (await (await post({ target: { hosts: ['k1'] }, argv: ['true'] })).json()) as {
      id: string;
    };
    const k2 = core.fleet.listHosts().find((h) => h.name === 'k2')!.id;
    exit(k2, `${id}-0`);
    const view = (await (await admin.request(`/v1/commands/${id}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ state: 'running', hosts: [{ state: 'running' }] });
  });

  it.each<[string, unknown, { path: string; message: RegExp }[]]>([
    [
      'no target, no argv',
      {},
      [
        { path: 'target', message: /is required/ },
        { path: 'argv', message: /is required/ },
      ],
    ],
    [
      'empty argv',
      { target: { hosts: ['k1'] }, argv: [] },
      [{ path: 'argv', message: /program and its arguments/ }],
    ],
    [
      'unknown field',
      { target: { hosts: ['k1'] }, argv: ['x'], sudo: true },
      [{ path: 'sudo', message: /^unknown field$/ }],
    ],
    [
      'parallel 0',
      { target: { hosts: ['k1'] }, argv: ['x'], parallel: 0 },
      [{ path: 'parallel', message: /1/ }],
    ],
    [
      'timeout too long',
      { target: { hosts: ['k1'] }, argv: ['x'], timeoutSec: 1e9 },
      [{ path: 'timeoutSec', message: /86400/ }],
    ],
    [
      'role without cluster',
      { target: { role: 'broker' }, argv: ['x'] },
      [{ path: 'target.role', message: /role needs cluster/ }],
    ],
    [
      'unknown host',
      { target: { hosts: ['k1', 'nope'] }, argv: ['x'] },
      [{ path: 'target.hosts[1]', message: /no host nope/ }],
    ],
    [
      'unknown cluster',
      { target: { cluster: 'kafka-x' }, argv: ['x'] },
      [{ path: 'target.cluster', message: /no cluster kafka-x/ }],
    ],
    [
      'labels that select nobody',
      { target: { labels: { rack: 'r9' } }, argv: ['x'] },
      [{ path: 'target', message: /selects no host/ }],
    ],
  ])('refused with the field named: %s', async (_n, body, want) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const err = ((await res.json()) as { error: { details: { path: string; message: string }[] } }).error;
    for (const w of want)
      expect(err.details).toContainEqual({ path: w.path, message: expect.stringMatching(w.message) });
  });
});

describe('exec scope', () => {
  it('POST /v1/commands needs exec: a write token gets 403 (and an audit event); an exec token runs it as its name', async () => {
    const refused = await post({ target: { hosts: ['k1'] }, argv: ['id'] }, tokens.write);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/needs exec/);
    expect(received.get('k1')).toEqual([]);
    const ok = await post({ target: { hosts: ['k1'] }, argv: ['id'] }, tokens.exec);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ author: 'ops' });
    const events = (await (await admin.request('/v1/events')).json()) as { events: { message: string }[] };
    expect(events.events.map((e) => e.message)).toContainEqual('deployer: POST /v1/commands → 403');
  });

  it('reading and cancelling commands need exec too; a read token is refused', async () => {
    const { id } = (await (await post({ target: { hosts: ['k1'] }, argv: ['id'] })).json()) as { id: string };
    for (const [method, p] of [
      ['GET', `/v1/commands/${id}`],
      ['GET', `/v1/commands/${id}/output`],
      ['DELETE', `/v1/commands/${id}`],
      ['POST', `/v1/commands/${id}/cancel`],
    ] as const) {
      const res = await withBearer(app, tokens.read).request(p, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      expect([method, p, res.status]).toEqual([method, p, 403]);
    }
  });

  it.each<[string, string, string]>([
    ['POST', '/v1/commands', 'exec'],
    ['GET', '/v1/commands/abc', 'exec'],
    ['DELETE', '/v1/commands/abc', 'exec'],
    ['POST', '/v1/commands/abc/cancel', 'exec'],
    ['GET', '/v1/clusters/k/members/b1/logs/follow', 'read'],
    ['GET', '/v1/commandsx', 'read'],
  ])('requiredScope(%s %s) = %s', (method, p, scope) => {
    expect(requiredScope(method, p)).toBe(scope);
  });
});
