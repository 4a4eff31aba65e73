/**
 * The real control plane for CLI tests: the core (fleet, leases, rollouts, changes) on a SQLite
 * store in a temp dir and the REST app, called in-process through `app.request()`. Agents are
 * sessions registered on the fleet: tests make them report and answer commands. What the CLI prints
 * and exits with is then checked against what the control plane actually stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger, type InstanceObservation } from '@hactl/shared';
import { createApp } from '../api/app.js';
import { createCore, type Core } from '../core.js';
import type { AgentCommand, AgentCommandResult, AgentSession } from '../reconcile/fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { timerSleep, type CliIo } from './io.js';
import { readFileCapped } from './read-capped.js';
import { runCli } from './run.js';
import { testTrust } from '../trust/testing.js';

export const SERVER = 'http://127.0.0.1:7080';

export interface FakeAgent {
  name: string;
  commands: AgentCommand[];
  /** Answers a command; undefined leaves it unanswered (the test answers later with `answer`). */
  onCommand: (cmd: AgentCommand) => Omit<AgentCommandResult, 'id'> | undefined;
}

export interface RealControlPlane {
  core: Core;
  store: SqliteStore;
  agents: Map<string, FakeAgent>;
  /** The clock the core sees; tests move it. */
  clock: { now: number };
  /** Runs hactl against this control plane; returns exit code and output. */
  hactl(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  connect(name: string, address: string, agentVersion?: string): FakeAgent;
  /** The agent's status report for its instances (every listed field as the agent would send it). */
  report(host: string, instances: Omit<InstanceObservation, 'hostId' | 'reportedAt'>[]): void;
  answer(host: string, id: string, result: Omit<AgentCommandResult, 'id'>): void;
  close(): void;
}

export function startRealControlPlane(): RealControlPlane {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-cli-cp-'));
  const store = new SqliteStore(path.join(dir, 'state.db'));
  const clock = { now: 1_800_000_000_000 };
  let ids = 0;
  const core = createCore({
    store,
    logger: nullLogger,
    now: () => clock.now,
    reportIntervalMs: 1000,
    leaseTtlMs: 60_000,
    checkReplan: true,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: () => (++ids).toString(16).padStart(6, 'a'),
  });
  // The CLI sends HACTL_TOKEN as every command would on a real server (issue 12).
  const { trust, adminToken } = testTrust(store, () => clock.now);
  const app = createApp({
    fleet: core.fleet,
    rollouts: core.rollouts,
    changes: core.changes,
    failovers: core.failovers,
    actions: core.actions,
    logger: nullLogger,
    trust,
  });
  const agents = new Map<string, FakeAgent>();

  const io = (): CliIo & { out: () => string; err: () => string } => {
    let out = '';
    let err = '';
    return {
      http: async (req) => {
        const res = await app.request(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
        });
        return { status: res.status, statusText: res.statusText, body: await res.text() };
      },
      stdout: (s) => {
        out += s;
      },
      stderr: (s) => {
        err += s;
      },
      env: { HACTL_SERVER: SERVER, HACTL_TOKEN: adminToken, USER: 'tester' },
      readFile: (p, maxBytes) => readFileCapped(p, maxBytes),
      readStdin: async () => '',
      isTty: false,
      now: () => clock.now,
      sleep: timerSleep,
      out: () => out,
      err: () => err,
    };
  };

  const cp: RealControlPlane = {
    core,
    store,
    agents,
    clock,
    async hactl(...argv) {
      const x = io();
      const code = await runCli(argv, x);
      return { code, out: x.out(), err: x.err() };
    },
    connect(name, address, agentVersion = '0.1.0') {
      const agent: FakeAgent = { name, commands: [], onCommand: () => undefined };
      const session: AgentSession = {
        sendDesired() {},
        sendCommand(cmd) {
          agent.commands.push(cmd);
          const r = agent.onCommand(cmd);
          // Agents answer on their own stream, later than the send.
          if (r) queueMicrotask(() => core.fleet.recordCommandResult(name, { id: cmd.id, ...r }));
        },
        close() {},
      };
      core.fleet.connectAgent(
        { name, address, agentVersion, dataRoot: '/d', labels: {}, facts: { java: '17.0.15' } },
        session,
      );
      agents.set(name, agent);
      return agent;
    },
    report(host, instances) {
      core.fleet.recordStatus(host, {
        appliedGeneration: core.fleet.listHosts().find((h) => h.id === host)?.generation ?? 0,
        applyError: '',
        instances,
      });
    },
    answer(host, id, result) {
      core.fleet.recordCommandResult(host, { id, ...result });
    },
    close() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cp;
}

/**
 * Cluster zk-main: ZooKeeper members 1..3 on hosts zk1..zk3 (127.0.0.11-13, connected here), applied
 * through `hactl apply` as an operator would.
 */
export async function applyZkMain(cp: RealControlPlane): Promise<void> {
  for (const id of [1, 2, 3]) cp.connect(`zk${id}`, `127.0.0.1${id}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-cli-zk-main-'));
  try {
    const f = path.join(dir, 'zk.yaml');
    const members = [1, 2, 3].map((id) => ({ host: `zk${id}`, id }));
    const spec = {
      name: 'zk-main',
      kind: 'zookeeper',
      distribution: { home: '/usr/share/zookeeper' },
      members,
    };
    fs.writeFileSync(f, JSON.stringify(spec));
    const r = await cp.hactl('apply', '-f', f);
    if (r.code !== 0) throw new Error(`applying zk-main failed: ${r.err}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A ZooKeeper member report: running and serving in `mode`, with the agent's log files. */
export function zkMember(
  id: string,
  pid: number,
  mode: 'leader' | 'follower',
  now: number,
  extra: Partial<InstanceObservation> = {},
): Omit<InstanceObservation, 'hostId' | 'reportedAt'> {
  const n = id.split('-').at(-1);
  return {
    id,
    process: 'running',
    pid,
    restarts: 0,
    detail: '',
    restartPending: false,
    probeAt: now,
    probe:
      mode === 'leader'
        ? { ok: true, serving: true, mode, syncedFollowers: 2 }
        : { ok: true, serving: true, mode },
    logFiles: [
      `/d/zookeeper/zk-main/${n}/logs/zookeeper.log`,
      `/d/zookeeper/zk-main/${n}/logs/zookeeper.out`,
    ],
    ...extra,
  };
}
