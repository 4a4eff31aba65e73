import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';
import { LabNetwork, type LabHost } from './netns.js';
import { labRequest } from './http.js';
import { labDirPrefix, pidsMentioning } from './procs.js';

export { pidsMentioning } from './procs.js';

/**
 * A hactl lab: the real control plane and real agents as separate processes, each agent owning one
 * loopback address as if it were its own server. Everything started here is killed by `destroy()`,
 * including the service processes the agents started (they outlive agents by design).
 */
export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The checkout root (holds pnpm-workspace.yaml), from source (test/src/lab) or build output (test/dist/src/lab). */
function findRepoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
  }
  throw new Error(`no pnpm-workspace.yaml above ${from}`);
}
const BIN = path.join(REPO_ROOT, 'bin');

const everyLab = new Set<Lab>();
process.once('exit', () => {
  for (const lab of everyLab) {
    lab.killAllSync();
    lab.network?.destroy();
  }
});

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface AgentHandle {
  name: string;
  address: string;
  stateDir: string;
  child: ChildProcess;
}

export interface ClusterStatusBody {
  name: string;
  kind: string;
  revision: number;
  status: {
    health: string;
    reason: string;
    members: {
      instance: string;
      host: string;
      id: number | string;
      mode: string;
      process: string;
      pid: number;
      restarts: number;
      lastProbe: string | null;
      detail: string;
      [k: string]: unknown;
    }[];
  };
}

/** A rollout as `GET /v1/rollouts/{id}` answers it: the server's own REST contract type. */
export type { RolloutView } from '@hactl/control-plane/dist/api/contract.js';

/** One line of an agent's log about a process of a cluster (Lab.agentEvents). */
export interface AgentEvent {
  host: string;
  /** ms since epoch, from the line's `time`. */
  at: number;
  msg: string;
  /** The exit code, on the lines that carry one. */
  code?: number | null;
}

/** One control-plane replica of a lab (Lab.startReplicas). */
export interface ReplicaHandle {
  index: number;
  address: string;
  dataDir: string;
  httpPort: number;
  grpcPort: number;
  child: ChildProcess | undefined;
  /** The shared store's URL. */
  url: string;
  leaderLeaseMs: number;
}

/** A replica's own view of its role, from its /healthz. */
export interface ReplicaHealth {
  holder: string;
  leading: boolean;
  epoch: number;
  leader: string | null;
}

export class Lab {
  readonly dir: string;
  /** The control plane's ports: 0 until its first start binds them (read from its log), kept for restarts. */
  httpPort = 0;
  grpcPort = 0;
  private cp: ChildProcess | undefined;
  readonly agents = new Map<string, AgentHandle>();
  /** Set when the lab's hosts live on a bridge with network namespaces (see netns.ts). */
  readonly network: LabNetwork | undefined;

  private labJoinToken: string | undefined;
  /** Control-plane replicas on a shared PostgreSQL (startReplicas); empty for a lone control plane. */
  readonly replicas: ReplicaHandle[] = [];
  /** The replica the lab's REST calls go to. */
  private apiReplica = 0;
  private postgres: { stop(): Promise<void> } | undefined;

  private constructor(
    dir: string,
    network: LabNetwork | undefined,
    private readonly forceTls: boolean,
  ) {
    this.dir = dir;
    this.network = network;
    everyLab.add(this);
  }

  /** The address agents dial: the bridge when hosts live in namespaces, loopback otherwise. */
  get grpcHost(): string {
    return this.network?.gateway ?? '127.0.0.1';
  }

  /**
   * A new lab in a fresh temp dir. `network: N` puts its hosts on the bridge 10.77.N.0/24 (root
   * only): add them with `addHost` and start their agents with `startAgentOn`. A network lab runs
   * the control plane with TLS and enrolls its agents (a join token it makes, the CA file);
   * `tls: true` does the same on loopback.
   */
  static async create(name: string, opts: { network?: number; tls?: boolean } = {}): Promise<Lab> {
    const network = opts.network === undefined ? undefined : LabNetwork.create(opts.network);
    const lab = new Lab(
      fs.mkdtempSync(path.join(os.tmpdir(), `${labDirPrefix()}${name}-`)),
      network,
      opts.tls ?? false,
    );
    // mkdtemp makes the directory 0700; services run under their own accounts must reach their dirs.
    fs.chmodSync(lab.dir, 0o755);
    return lab;
  }

  /**
   * Whether the control plane serves TLS: always on a lab network (it listens on the bridge, and
   * --insecure is refused off loopback), never on a loopback lab unless `create` asked for it.
   */
  get tls(): boolean {
    return this.network !== undefined || this.forceTls;
  }

  /** The REST API's URL: on the bridge in a network lab (its hosts reach it there), else loopback. */
  get server(): string {
    const r = this.replicas[this.apiReplica];
    if (r) return this.replicaUrl(r);
    return `${this.tls ? 'https' : 'http'}://${this.grpcHost}:${this.httpPort}`;
  }

  private replicaUrl(r: ReplicaHandle): string {
    return `${this.tls ? 'https' : 'http'}://${r.address}:${r.httpPort}`;
  }

  /** The first control plane's data dir (replica 0's with replicas: it makes the admin token and writes ca.pem). */
  get cpDataDir(): string {
    return path.join(this.dir, 'cp');
  }

  /** What agents get as --server: the lone control plane, or every replica. */
  private get agentServers(): string {
    if (this.replicas.length) return this.replicas.map((r) => `${r.address}:${r.grpcPort}`).join(',');
    return `${this.grpcHost}:${this.grpcPort}`;
  }

  /**
   * Several control-plane replicas on one PostgreSQL from Debian's package (started here, in the
   * lab dir, on `postgres`), each on its own loopback address with TLS as the lab says. Replica 0
   * starts first, alone, so it creates the shared CA and the admin token; the others join it.
   */
  async startReplicas(o: {
    addresses: readonly string[];
    postgres: { host: string; port: number };
    leaderLeaseMs: number;
  }): Promise<void> {
    const { startPostgres } = await import('@hactl/control-plane/dist/store/pg-testing.js');
    const pg = await startPostgres({ dir: path.join(this.dir, 'pg'), ...o.postgres });
    this.postgres = pg;
    const url = pg.createDatabase('hactl');
    for (const [i, address] of o.addresses.entries()) {
      const handle: ReplicaHandle = {
        index: i,
        address,
        dataDir: i === 0 ? this.cpDataDir : path.join(this.dir, `cp-r${i}`),
        httpPort: await freePort(address),
        grpcPort: await freePort(address),
        child: undefined,
        url,
        leaderLeaseMs: o.leaderLeaseMs,
      };
      this.replicas.push(handle);
      await this.startReplica(i);
    }
  }

  /** (Re)starts replica `i` and waits until it answers /healthz. */
  async startReplica(i: number): Promise<void> {
    const r = this.replicas[i]!;
    r.child = this.spawnControlPlane(`control-plane-r${i}`, {
      dataDir: r.dataDir,
      host: r.address,
      httpPort: r.httpPort,
      grpcPort: r.grpcPort,
      extra: ['--store', r.url, '--leader-lease-ms', String(r.leaderLeaseMs)],
    });
    await waitFor(
      `control-plane replica ${i} to answer /healthz`,
      async () => (await this.replicaHealth(i)) ?? undefined,
      {
        timeoutMs: 30_000,
      },
    );
  }

  /** Replica `i`'s own /healthz answer (its role), or undefined when it does not answer. */
  async replicaHealth(i: number): Promise<ReplicaHealth | undefined> {
    const r = this.replicas[i]!;
    if (this.tls && !fs.existsSync(this.caFile)) return undefined;
    const res = await labRequest({
      url: `${this.replicaUrl(r)}/healthz`,
      method: 'GET',
      headers: {},
      ca: this.caPem(),
      timeoutMs: 2000,
    }).catch(() => undefined);
    if (res?.status !== 200) return undefined;
    return (JSON.parse(res.text) as { replica: ReplicaHealth }).replica;
  }

  /** Sends the lab's REST calls to replica `i` from now on. */
  useReplica(i: number): void {
    this.apiReplica = i;
  }

  /** Signals replica `i` (SIGKILL, SIGSTOP, SIGCONT); after SIGKILL waits for its exit. */
  async signalReplica(i: number, signal: NodeJS.Signals): Promise<void> {
    const c = this.replicas[i]!.child;
    if (!c) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      this.replicas[i]!.child = undefined;
      await killAndWait(c, signal);
    } else c.kill(signal);
  }

  /** The first admin token (`<data-dir>/admin.token`, written at the control plane's first start). */
  get token(): string {
    return fs.readFileSync(path.join(this.cpDataDir, 'admin.token'), 'utf8').trim();
  }

  /** The control plane's CA (`<data-dir>/ca.pem`). */
  get caFile(): string {
    return path.join(this.cpDataDir, 'ca.pem');
  }

  /** The environment a `hactl` child process needs to reach this lab's control plane as admin. */
  cliEnv(): Record<string, string> {
    return {
      HACTL_SERVER: this.server,
      HACTL_TOKEN: this.token,
      ...(this.tls ? { HACTL_CA: this.caFile } : {}),
    };
  }

  /** `{authorization: 'Bearer <admin token>'}` for a raw request. */
  authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  private logStream(name: string): number {
    return fs.openSync(path.join(this.dir, `${name}.log`), 'a');
  }

  /** More flags for this lab's control plane, kept across its restarts (startControlPlane). */
  private controlPlaneFlags: readonly string[] = [];

  /**
   * Starts the control plane and waits until it answers /healthz. The first start listens on port 0
   * and takes the ports it bound from its "control plane listening" log line (picking free ports
   * beforehand would race every other lab's outgoing connections for them); later starts reuse
   * them. An early exit fails at once with the end of its log. `flags` (more control-plane flags,
   * e.g. `--push-slice-hosts 1`) are kept for later starts of this lab's control plane.
   */
  async startControlPlane(flags?: readonly string[]): Promise<void> {
    if (flags) this.controlPlaneFlags = flags;
    const logFile = path.join(this.dir, 'control-plane.log');
    const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const cp = this.spawnControlPlane('control-plane', {
      dataDir: this.cpDataDir,
      host: this.grpcHost,
      httpPort: this.httpPort,
      grpcPort: this.grpcPort,
      extra: this.controlPlaneFlags,
    });
    this.cp = cp;
    const logText = () => fs.readFileSync(logFile, 'utf8').slice(logStart);
    const failure = (why: string) =>
      new Error(`${why}; control-plane.log ends:\n${logText().split('\n').slice(-15).join('\n')}`);
    const outcome = await waitFor(
      'the control plane to answer /healthz',
      async () => {
        if (cp.exitCode !== null || cp.signalCode !== null) return 'exited' as const;
        if (!this.httpPort && !this.takeListeningPorts(logText())) return undefined;
        return fs.existsSync(this.caFile) &&
          (
            await labRequest({
              url: `${this.server}/healthz`,
              method: 'GET',
              headers: {},
              ca: this.caPem(),
            }).catch(() => undefined)
          )?.status === 200
          ? ('up' as const)
          : undefined;
      },
      // Starting Node with its modules and the store takes well under a second on an idle
      // machine; the suite's JVMs can make it many seconds.
      { timeoutMs: 60_000 },
    ).catch((err: unknown) => {
      cp.kill('SIGKILL');
      throw failure((err as Error).message);
    });
    if (outcome === 'exited')
      throw failure(`the control plane exited (${cp.exitCode ?? cp.signalCode}) before it answered /healthz`);
  }

  /** Takes the bound ports from the control plane's "control plane listening" line; false before it. */
  private takeListeningPorts(log: string): boolean {
    for (const line of log.split('\n')) {
      if (!line.includes('"control plane listening"')) continue;
      const { http, grpc } = JSON.parse(line) as { http: string; grpc: string };
      this.httpPort = Number(http.slice(http.lastIndexOf(':') + 1));
      this.grpcPort = Number(grpc.slice(grpc.lastIndexOf(':') + 1));
      return true;
    }
    return false;
  }

  /**
   * A control plane process with the lab's settings, logging to `<lab>/<logName>.log`. It listens
   * and advertises on `host`: on a network lab the bridge, so that its hosts can curl it.
   */
  private spawnControlPlane(
    logName: string,
    o: { dataDir: string; host: string; httpPort: number; grpcPort: number; extra: readonly string[] },
  ): ChildProcess {
    const log = this.logStream(logName);
    const child = spawn(
      path.join(BIN, 'hactl-control-plane'),
      [
        '--data-dir',
        o.dataDir,
        '--listen-http',
        `${o.host}:${o.httpPort}`,
        '--advertise',
        o.host,
        '--listen-grpc',
        `${o.host}:${o.grpcPort}`,
        ...(this.tls ? [] : ['--insecure']),
        '--report-interval-ms',
        '500',
        // Every change's partial re-plan is checked against a whole one: a host it skipped but
        // whose desired state changed fails the change (unit tests check it the same way).
        '--check-replan',
        ...o.extra,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    return child;
  }

  private caPem(): string | undefined {
    return this.tls ? fs.readFileSync(this.caFile, 'utf8') : undefined;
  }

  /**
   * A join token for this lab's agents (TLS labs): one per lab, for any host name, 1000 uses.
   * Agents need it only for their first start; later starts use their certificate.
   */
  private async joinToken(): Promise<string> {
    if (!this.labJoinToken) {
      const { status, body } = await this.api<{ token: string }>('POST', '/v1/tokens', {
        kind: 'join',
        ttl: '1d',
        uses: 1000,
        hosts: '*',
      });
      if (status !== 201)
        throw new Error(`creating the lab's join token: HTTP ${status} ${JSON.stringify(body)}`);
      this.labJoinToken = body.token;
    }
    return this.labJoinToken;
  }

  async stopControlPlane(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const cp = this.cp;
    this.cp = undefined;
    if (cp) await killAndWait(cp, signal);
  }

  /** Adds a host to the lab network: `ownNamespace` for a kernel of its own (Storm hosts). */
  addHost(name: string, n: number, opts: { ownNamespace: boolean }): LabHost {
    if (!this.network) throw new Error('this lab has no network; create it with { network: N }');
    return this.network.addHost(name, n, opts);
  }

  /** Starts the agent of a lab-network host, inside its namespace when it has one. */
  async startAgentOn(host: LabHost): Promise<AgentHandle> {
    return this.startAgent(host.name, host.address, host);
  }

  /** `extraArgs`: more agent flags, e.g. `--allow-exec`. */
  async startAgent(
    name: string,
    address: string,
    host?: LabHost,
    extraArgs: readonly string[] = [],
  ): Promise<AgentHandle> {
    const stateDir = path.join(this.dir, name);
    const log = this.logStream(`agent-${name}`);
    const args = [
      '--server',
      this.agentServers,
      '--name',
      name,
      '--address',
      address,
      '--state-dir',
      stateDir,
      '--data-root',
      path.join(stateDir, 'data'),
      ...(this.tls ? ['--token', await this.joinToken(), '--ca-file', this.caFile] : ['--insecure']),
      '--backoff-max-ms',
      '1000',
      ...extraArgs,
    ];
    const argv =
      host && this.network
        ? this.network.wrap(host, path.join(BIN, 'hactl-agent'), args)
        : { command: path.join(BIN, 'hactl-agent'), args };
    // `ip netns exec` execs the agent, so the child's pid is the agent's and signals reach it.
    const child = spawn(argv.command, argv.args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const handle = { name, address, stateDir, child };
    this.agents.set(name, handle);
    return handle;
  }

  async stopAgent(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const a = this.agents.get(name);
    if (a) await killAndWait(a.child, signal);
  }

  async api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await labRequest({
      url: `${this.server}${p}`,
      method,
      headers: { 'content-type': 'application/json', ...this.authHeaders() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ca: this.caPem(),
    });
    return { status: res.status, body: JSON.parse(res.text) as T };
  }

  async waitForHosts(names: readonly string[], timeoutMs = 90_000): Promise<void> {
    await waitFor(
      `hosts ${names.join(', ')} to connect`,
      async () => {
        const { body } = await this.api<{ hosts: { name: string; connected: boolean }[] }>(
          'GET',
          '/v1/hosts',
        );
        return names.every((n) => body.hosts.some((h) => h.name === n && h.connected)) ? true : undefined;
      },
      { timeoutMs },
    );
  }

  async cluster(name: string): Promise<ClusterStatusBody> {
    const { status, body } = await this.api<ClusterStatusBody>('GET', `/v1/clusters/${name}`);
    if (status !== 200) throw new Error(`GET cluster ${name}: HTTP ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async waitForHealth(
    name: string,
    health: string,
    opts: { timeoutMs?: number; where?: (c: ClusterStatusBody) => boolean } = {},
  ): Promise<ClusterStatusBody> {
    let last: ClusterStatusBody | undefined;
    try {
      return await waitFor(
        `cluster ${name} to be ${health}`,
        async () => {
          last = await this.cluster(name);
          return last.status.health === health && (!opts.where || opts.where(last)) ? last : undefined;
        },
        { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 200 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}`);
    }
  }

  /**
   * Waits until rollout `id` is in one of the states `until` (default `completed`) and returns its
   * view; throws at once when it is paused or aborted instead (unless those are awaited).
   * `onPoll` runs before each read of the rollout (a test's samplers: what the cluster looks like
   * while it rolls), every `intervalMs` (default 250).
   */
  async waitForRollout<T extends { state: string; reason: string }>(
    id: string,
    opts: {
      until?: readonly string[];
      timeoutMs?: number;
      intervalMs?: number;
      onPoll?: () => Promise<void>;
    } = {},
  ): Promise<T> {
    const until = opts.until ?? ['completed'];
    // The last view read, for the timeout's message: a rollout that never finishes should say
    // which step it waits on and why (one ZooKeeper membership rollout timed out with no clue).
    let last: T | undefined;
    try {
      return await waitFor(
        `rollout ${id} to be ${until.join(' or ')}`,
        async () => {
          await opts.onPoll?.();
          const r = await this.api<T>('GET', `/v1/rollouts/${id}`);
          last = r.body;
          if (until.includes(r.body.state)) return r.body;
          if (r.body.state === 'paused' || r.body.state === 'aborted')
            throw new Error(`rollout ${id} ${r.body.state}: ${r.body.reason}`);
          return undefined;
        },
        { timeoutMs: opts.timeoutMs ?? 300_000, intervalMs: opts.intervalMs ?? 250 },
      );
    } catch (err) {
      if (!last || !(err instanceof Error)) throw err;
      throw new Error(`${err.message}; its last view: ${JSON.stringify(last).slice(0, 4000)}`, {
        cause: err,
      });
    }
  }

  /**
   * What the agents on `hosts` logged about `cluster`'s processes since `since` (ms since epoch),
   * in time order: their JSON log lines (<lab>/agent-<host>.log) that name an instance of the
   * cluster, e.g. `process_stopping`, `process_stopped` (with the exit `code`),
   * `process_exited_unexpectedly`.
   */
  agentEvents(hosts: readonly string[], cluster: string, since: number): AgentEvent[] {
    const out: AgentEvent[] = [];
    for (const host of hosts) {
      for (const line of fs.readFileSync(path.join(this.dir, `agent-${host}.log`), 'utf8').split('\n')) {
        if (!line.includes(`"instance":"${cluster}/`)) continue;
        const e = JSON.parse(line) as { time: string; msg: string; code?: number | null };
        const at = Date.parse(e.time);
        if (at >= since) out.push({ host, at, msg: e.msg, ...('code' in e ? { code: e.code } : {}) });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * The inputs of the `kind` instance that `host`'s agent last applied, read from its
   * applied-state.json (what the agent renders and probes from). Throws when the host has applied
   * no instance of that kind.
   */
  appliedInputs<T = unknown>(host: string, kind: string): T {
    const file = path.join(this.dir, host, 'applied-state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { instances: { kind: string; inputs: T }[] };
    const found = state.instances.find((i) => i.kind === kind);
    if (!found) throw new Error(`${file} holds no ${kind} instance`);
    return found.inputs;
  }

  /** Pids of service processes the agents started, from their pid files. */
  servicePids(): number[] {
    const pids: number[] = [];
    for (const a of this.agents.values()) {
      const runDir = path.join(a.stateDir, 'run');
      if (!fs.existsSync(runDir)) continue;
      for (const f of fs.readdirSync(runDir)) {
        if (!f.endsWith('.pid')) continue;
        try {
          pids.push((JSON.parse(fs.readFileSync(path.join(runDir, f), 'utf8')) as { pid: number }).pid);
        } catch {
          // a pid file being rewritten; the next call sees it
        }
      }
    }
    return pids;
  }

  killAllSync(): void {
    this.cp?.kill('SIGKILL');
    for (const r of this.replicas) {
      r.child?.kill('SIGCONT');
      r.child?.kill('SIGKILL');
    }
    // Processes that left their group's reach (Storm workers a restarted supervisor took back stay
    // in the old supervisor's group): anything whose command line names this lab's directory.
    for (const pid of pidsMentioning(this.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const a of this.agents.values()) a.child.kill('SIGKILL');
    for (const pid of this.servicePids()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  async destroy(opts: { keepDir?: boolean } = {}): Promise<void> {
    const pids = this.servicePids();
    for (const r of this.replicas) r.child?.kill('SIGCONT');
    this.killAllSync();
    await this.postgres?.stop().catch(() => undefined);
    await waitFor('lab processes to exit', () => (pids.every((p) => !alive(p)) ? true : undefined), {
      timeoutMs: 10_000,
    }).catch(() => undefined);
    this.network?.destroy();
    everyLab.delete(this);
    if (!opts.keepDir && !process.env.HACTL_KEEP_LAB) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}
