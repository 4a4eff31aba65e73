// The local sandbox behind scripts/demo.sh: a control plane and one agent per seed host on the lab
// network 10.77.1.0/24 (Storm hosts in network namespaces of their own, the rest as addresses on the
// bridge), running the seed topology on the real services. Everything it starts is detached and
// keeps running after it exits; `down` stops it all and removes the network.
//
//   node test/dist/src/sandbox/demo.js up        the seed topology (15 agents), then the health table
//   node test/dist/src/sandbox/demo.js zk        only the 3-member ZooKeeper ensemble
//   node test/dist/src/sandbox/demo.js replicas  as up, with three control-plane replicas on one PostgreSQL
//   node test/dist/src/sandbox/demo.js down      stop agents, services, the control plane(s), PostgreSQL
//
// HACTL_DEMO_AGENT_FLAGS: extra flags for every agent, e.g. --allow-exec (hactl exec).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, pidsMentioning } from '../lab/fleet.js';
import { LabNetwork } from '../lab/netns.js';
import { waitFor } from '../lab/wait.js';
import { labRequest } from '../lab/http.js';
import { SEED_HOSTS, loadSeedTopology, sandboxHomes, seedHostNumber, seedHostPlacement } from './seed.js';
import {
  controlPlaneArgs,
  renderReplicaRoles,
  sandboxControlPlane,
  type ReplicaRole,
  type SandboxControlPlane,
} from './control-plane.js';
import { stopPostgresIn } from '@hactl/control-plane/dist/store/pg-testing.js';
import { startSandboxPostgres } from './postgres.js';

const DEMO = path.join(REPO_ROOT, '.demo');
const SLICE = 1;
/** The bridge's own address (LabNetwork's gateway of SLICE): the control planes listen there. */
const GATEWAY = `10.77.${SLICE}.1`;
/** The lone control plane, or the first replica: the CLI talks to it. */
const CP0 = sandboxControlPlane(0, GATEWAY, DEMO);
const SERVER = CP0.server;
/**
 * PostgreSQL for `replicas`, on loopback: only the replicas use it, and they run in the root
 * namespace; off the bridge, no sandbox "server" reaches the store that holds the CA's key.
 * Port 5433 leaves 5432 to a PostgreSQL the machine may run.
 */
const POSTGRES = { dir: path.join(DEMO, 'postgres'), host: '127.0.0.1', port: 5433 };
const REPLICAS = 3;
/** hactl-control-plane's default leader lease (--leader-lease-ms), for the failover hint. */
const LEADER_LEASE_MS = 5000;
/** The control plane's data dir: its CA (ca.pem) and first admin token (admin.token) are there. */
const CP_DATA = () => CP0.dataDir;
/** What a hactl child process needs: the server, the CA and the admin token. */
const cliEnv = (): Record<string, string> => ({
  HACTL_SERVER: SERVER,
  HACTL_CA: path.join(CP_DATA(), 'ca.pem'),
  HACTL_TOKEN: fs.readFileSync(path.join(CP_DATA(), 'admin.token'), 'utf8').trim(),
});
/** A REST call as admin over HTTPS with the control plane's CA (fetch cannot take a CA). */
async function api<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await labRequest({
    url: `${SERVER}${p}`,
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cliEnv().HACTL_TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ca: fs.readFileSync(path.join(CP_DATA(), 'ca.pem'), 'utf8'),
  });
  return { status: r.status, body: JSON.parse(r.text) as T };
}
/** `cp`'s /healthz (answered by every replica itself, leading or not), or undefined. */
async function healthz(cp: SandboxControlPlane): Promise<{ ok: boolean; replica?: ReplicaRole } | undefined> {
  const ca = path.join(CP_DATA(), 'ca.pem');
  if (!fs.existsSync(ca)) return undefined;
  const r = await labRequest({
    url: `${cp.server}/healthz`,
    method: 'GET',
    headers: {},
    ca: fs.readFileSync(ca, 'utf8'),
    timeoutMs: 2000,
  }).catch(() => undefined);
  return r?.status === 200 ? (JSON.parse(r.text) as { ok: boolean; replica?: ReplicaRole }) : undefined;
}
const BIN = path.join(REPO_ROOT, 'bin');

const log = (msg: string) => process.stderr.write(`\x1b[1m==> ${msg}\x1b[0m\n`);

/** Starts a detached process with its output in .demo/logs/NAME.log and its pid in .demo/pids. */
function startDetached(name: string, command: string, args: string[]): void {
  const out = fs.openSync(path.join(DEMO, 'logs', `${name}.log`), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(path.join(DEMO, 'pids', `${name}.pid`), `${child.pid}\n`);
}

function hactl(args: string[], opts: { quiet?: boolean } = {}): { status: number; stdout: string } {
  const r = spawnSync(path.join(BIN, 'hactl'), args, {
    env: { ...process.env, ...cliEnv() },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'],
  });
  if (!opts.quiet) process.stdout.write(r.stdout);
  return { status: r.status ?? 1, stdout: r.stdout };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    // Agent pid files are JSON ({"pid": N, …}); ours are a bare number.
    const m = /"pid":\s*(\d+)/.exec(text) ?? /^(\d+)/.exec(text.trim());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function down(): Promise<void> {
  if (!fs.existsSync(DEMO)) {
    log('no sandbox to stop');
  } else {
    log('stopping agents and the control plane(s)');
    const own = fs.existsSync(path.join(DEMO, 'pids'))
      ? fs.readdirSync(path.join(DEMO, 'pids')).map((f) => readPid(path.join(DEMO, 'pids', f)))
      : [];
    for (const pid of own) if (pid) signal(pid, 'SIGTERM');
    log('stopping the services the agents started');
    const services: number[] = [];
    const agents = path.join(DEMO, 'agents');
    for (const a of fs.existsSync(agents) ? fs.readdirSync(agents) : []) {
      const run = path.join(agents, a, 'run');
      for (const f of fs.existsSync(run) ? fs.readdirSync(run) : []) {
        const pid = f.endsWith('.pid') ? readPid(path.join(run, f)) : undefined;
        if (pid) services.push(pid);
      }
    }
    // Services run in their own process groups (the agent starts them with setsid): the group
    // takes Storm's workers and wrapper scripts along.
    for (const pid of services) signal(-pid, 'SIGTERM');
    // Storm workers a restarted supervisor took back live outside its group: end them by name.
    const strays = pidsMentioning(DEMO);
    for (const pid of strays) signal(pid, 'SIGTERM');
    const all = [...own.filter((p): p is number => p !== undefined), ...services, ...strays];
    await waitFor('the sandbox processes to exit', () => (all.every((p) => !alive(p)) ? true : undefined), {
      timeoutMs: 40_000,
      intervalMs: 200,
    }).catch(() => {
      for (const pid of services) signal(-pid, 'SIGKILL');
      for (const pid of all) signal(pid, 'SIGKILL');
    });
    // After the replicas: a replica whose store vanishes under it only logs errors while it exits.
    if (fs.existsSync(POSTGRES.dir)) {
      log('stopping PostgreSQL');
      try {
        await stopPostgresIn(POSTGRES.dir);
      } catch {
        // pg_ctl failed: its first line is the postmaster's pid; SIGQUIT is immediate shutdown.
        const pid = readPid(path.join(POSTGRES.dir, 'data', 'postmaster.pid'));
        if (pid) signal(pid, 'SIGQUIT');
      }
    }
    fs.rmSync(DEMO, { recursive: true, force: true });
  }
  if (LabNetwork.supported()) LabNetwork.remove(SLICE);
  log('sandbox stopped');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The sandbox's control plane(s), started in order, each answering /healthz before the next starts. */
async function startControlPlanes(count: number, store: string | undefined): Promise<SandboxControlPlane[]> {
  const cps: SandboxControlPlane[] = [];
  for (let i = 0; i < count; i++) {
    const cp = sandboxControlPlane(i, GATEWAY, DEMO);
    log(`starting ${cp.name} (REST ${cp.server}, gRPC ${cp.grpc})`);
    startDetached(cp.name, path.join(BIN, 'hactl-control-plane'), controlPlaneArgs(cp, store));
    // TLS from the control plane's own CA: agents on the bridge enroll with a join token (--insecure
    // is for loopback only). Replica 0 starts alone first: it creates the CA and the admin token
    // (in its data dir) that the others then share through the store.
    await waitFor(
      `${cp.name} to answer /healthz`,
      async () =>
        fs.existsSync(path.join(CP_DATA(), 'admin.token')) && (await healthz(cp)) ? true : undefined,
      { timeoutMs: 30_000 },
    );
    cps.push(cp);
  }
  if (store !== undefined)
    await waitFor(
      'a control-plane replica to lead',
      async () => ((await Promise.all(cps.map(healthz))).some((h) => h?.replica?.leading) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  return cps;
}

async function up(o: { zkOnly: boolean; replicas: boolean; agentFlags: string[] }): Promise<void> {
  const { zkOnly } = o;
  if (!LabNetwork.supported())
    throw new Error(
      'the sandbox needs root and iproute2: Storm hosts run in network namespaces of their own',
    );
  if (fs.existsSync(DEMO)) await down();
  for (const d of ['pids', 'logs', 'agents']) fs.mkdirSync(path.join(DEMO, d), { recursive: true });
  // Services run as their own accounts and must reach their directories under .demo/agents.
  fs.chmodSync(DEMO, 0o755);
  fs.chmodSync(path.join(DEMO, 'agents'), 0o755);
  const homes = sandboxHomes(process.env);
  const net = LabNetwork.create(SLICE);
  if (net.gateway !== GATEWAY) throw new Error(`the lab bridge is ${net.gateway}, not ${GATEWAY}`);
  // Kafka and Elasticsearch hosts on 127.0.0.x (see seedHostPlacement), the rest on the bridge.
  const hosts = (zkOnly ? SEED_HOSTS.slice(0, 3) : [...SEED_HOSTS]).map((name) => {
    const where = seedHostPlacement(name);
    return where === 'loopback'
      ? { name, address: `127.0.0.${seedHostNumber(name)}`, netns: undefined }
      : net.addHost(name, seedHostNumber(name), { ownNamespace: where === 'namespace' });
  });

  let store: string | undefined;
  if (o.replicas) {
    log(
      `starting PostgreSQL on ${POSTGRES.host}:${POSTGRES.port} (${path.relative(REPO_ROOT, POSTGRES.dir)})`,
    );
    store = await startSandboxPostgres(POSTGRES);
  }
  const cps = await startControlPlanes(o.replicas ? REPLICAS : 1, store);
  const join = await api<{ token: string }>('POST', '/v1/tokens', { ttl: '1h', uses: 100, hosts: '*' });

  if (o.agentFlags.length) log(`agents get HACTL_DEMO_AGENT_FLAGS: ${o.agentFlags.join(' ')}`);
  for (const h of hosts) {
    log(`starting agent ${h.name} on ${h.address}${h.netns ? ` (network namespace ${h.netns})` : ''}`);
    const stateDir = path.join(DEMO, 'agents', h.name);
    const argv = net.wrap(h, path.join(BIN, 'hactl-agent'), [
      '--server',
      cps.map((cp) => cp.grpc).join(','),
      '--name',
      h.name,
      '--address',
      h.address,
      '--state-dir',
      stateDir,
      '--data-root',
      path.join(stateDir, 'data'),
      '--token',
      join.body.token,
      '--ca-file',
      path.join(CP_DATA(), 'ca.pem'),
      '--backoff-max-ms',
      '2000',
      ...o.agentFlags,
    ]);
    startDetached(`agent-${h.name}`, argv.command, argv.args);
  }
  await waitFor(
    'every agent to connect',
    async () => {
      const { body } = await api<{ hosts: { name: string; connected: boolean }[] }>('GET', '/v1/hosts');
      return hosts.every((h) => body.hosts.some((x) => x.name === h.name && x.connected)) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  hactl(['get', 'hosts']);

  const docs = loadSeedTopology(homes).filter((d) => !zkOnly || d.kind === 'zookeeper');
  const specFile = path.join(DEMO, 'seed-topology.yaml');
  fs.writeFileSync(
    specFile,
    `# The seed topology as the sandbox runs it: deploy/examples/seed-topology.yaml with the homes of\n# the real distributions in .dist/ and heaps sized for one machine. ` +
      `Edit this file and re-apply it:\n#   bin/hactl apply -f ${path.relative(REPO_ROOT, specFile)}\n` +
      docs.map((d) => stringify(d)).join('---\n'),
  );
  log(`applying ${path.relative(REPO_ROOT, specFile)}`);
  const t0 = Date.now();
  if (hactl(['apply', '-f', specFile]).status !== 0) throw new Error('hactl apply failed');

  log('waiting for every cluster to be healthy');
  await waitFor(
    'every cluster to be healthy',
    () => {
      const r = hactl(['get', 'clusters', '-o', 'json'], { quiet: true });
      if (r.status !== 0) return undefined;
      const clusters = (JSON.parse(r.stdout) as { clusters: { health: string }[] }).clusters;
      return clusters.length === docs.length && clusters.every((c) => c.health === 'healthy')
        ? true
        : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 1000 },
  ).catch((err: unknown) => {
    hactl(['get', 'clusters', '-o', 'wide']);
    throw err;
  });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write('\n');
  hactl(['get', 'clusters']);
  for (const d of docs) {
    process.stdout.write('\n');
    hactl(['describe', 'cluster', String(d.name)]);
  }
  process.stdout.write(`\napply -> all healthy: ${seconds} s\n`);
  process.stdout.write(`
The sandbox keeps running. Try:
  export HACTL_SERVER=${SERVER} HACTL_CA=${path.join(CP_DATA(), 'ca.pem')}
  export HACTL_TOKEN=$(cat ${path.join(CP_DATA(), 'admin.token')})
  bin/hactl get hosts
  bin/hactl describe cluster zk-main
  bin/hactl rollout start zk-main -w
The specs it applied: ${path.relative(REPO_ROOT, specFile)} (edit it and run bin/hactl apply -f on it)
Logs: .demo/logs/ and each member's logs under .demo/agents/<host>/data/   Stop it all: scripts/demo.sh down
`);
  if (o.replicas) {
    // Asked after the table: which replica leads now, not which led when the agents enrolled.
    const roles = (await Promise.all(cps.map(healthz))).map((h) => h?.replica);
    const pids = cps.map((cp) => readPid(path.join(DEMO, 'pids', `${cp.name}.pid`)));
    process.stdout.write(`\n${renderReplicaRoles(cps, pids, roles, LEADER_LEASE_MS)}`);
    process.stdout.write(
      `Their store: PostgreSQL on ${POSTGRES.host}:${POSTGRES.port}, data and log in ${path.relative(REPO_ROOT, POSTGRES.dir)}/\n`,
    );
  }
}

const USAGE = 'usage: scripts/demo.sh [up|zk|replicas|down]';
const cmd = process.argv[2] ?? 'up';
const agentFlags = (process.env.HACTL_DEMO_AGENT_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
const run =
  cmd === 'down'
    ? down()
    : cmd === 'up' || cmd === 'zk' || cmd === 'replicas'
      ? up({ zkOnly: cmd === 'zk', replicas: cmd === 'replicas', agentFlags })
      : Promise.reject(new Error(USAGE));
run.catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
