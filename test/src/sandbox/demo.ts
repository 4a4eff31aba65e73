// The local sandbox behind scripts/demo.sh: a control plane and one agent per seed host on the lab
// network 10.77.1.0/24 (Storm hosts in network namespaces of their own, the rest as addresses on the
// bridge), running the seed topology on the real services. Everything it starts is detached and
// keeps running after it exits; `down` stops it all and removes the network.
//
//   node test/dist/src/sandbox/demo.js up     the seed topology (15 agents), then the health table
//   node test/dist/src/sandbox/demo.js zk     only the 3-member ZooKeeper ensemble
//   node test/dist/src/sandbox/demo.js down   stop agents, services and the control plane
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, pidsMentioning } from '../lab/fleet.js';
import { LabNetwork } from '../lab/netns.js';
import { waitFor } from '../lab/wait.js';
import { labRequest } from '../lab/http.js';
import { SEED_HOSTS, loadSeedTopology, sandboxHomes, seedHostNumber, seedHostPlacement } from './seed.js';

const DEMO = path.join(REPO_ROOT, '.demo');
const SLICE = 1;
const HTTP = '127.0.0.1:7080';
const GRPC_PORT = 7443;
const SERVER = `https://${HTTP}`;
/** The control plane's data dir: its CA (ca.pem) and first admin token (admin.token) are there. */
const CP_DATA = () => path.join(DEMO, 'control-plane');
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
    log('stopping agents and the control plane');
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

async function up(zkOnly: boolean): Promise<void> {
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
  // Kafka and Elasticsearch hosts on 127.0.0.x (see seedHostPlacement), the rest on the bridge.
  const hosts = (zkOnly ? SEED_HOSTS.slice(0, 3) : [...SEED_HOSTS]).map((name) => {
    const where = seedHostPlacement(name);
    return where === 'loopback'
      ? { name, address: `127.0.0.${seedHostNumber(name)}`, netns: undefined }
      : net.addHost(name, seedHostNumber(name), { ownNamespace: where === 'namespace' });
  });

  log(`starting the control plane (REST ${HTTP}, gRPC ${net.gateway}:${GRPC_PORT})`);
  startDetached('control-plane', path.join(BIN, 'hactl-control-plane'), [
    '--data-dir',
    path.join(DEMO, 'control-plane'),
    '--listen-http',
    HTTP,
    '--listen-grpc',
    `${net.gateway}:${GRPC_PORT}`,
    '--report-interval-ms',
    '1000',
  ]);
  // TLS from the control plane's own CA: agents on the bridge enroll with a join token (--insecure
  // is for loopback only).
  await waitFor(
    'the control plane to answer /healthz',
    async () =>
      fs.existsSync(path.join(CP_DATA(), 'admin.token')) &&
      (await api('GET', '/healthz').catch(() => undefined))?.status === 200
        ? true
        : undefined,
    { timeoutMs: 30_000 },
  );
  const join = await api<{ token: string }>('POST', '/v1/tokens', { ttl: '1h', uses: 100, hosts: '*' });

  for (const h of hosts) {
    log(`starting agent ${h.name} on ${h.address}${h.netns ? ` (network namespace ${h.netns})` : ''}`);
    const stateDir = path.join(DEMO, 'agents', h.name);
    const argv = net.wrap(h, path.join(BIN, 'hactl-agent'), [
      '--server',
      `${net.gateway}:${GRPC_PORT}`,
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
    `# The seed topology as the sandbox runs it: deploy/examples/seed-topology.yaml with the homes of\n# the real distributions in .dist/ and heaps sized for one machine. Edit this file and re-apply it:\n#   bin/hactl apply -f ${path.relative(REPO_ROOT, specFile)}\n` +
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
}

const cmd = process.argv[2] ?? 'up';
const run =
  cmd === 'down'
    ? down()
    : cmd === 'up' || cmd === 'zk'
      ? up(cmd === 'zk')
      : Promise.reject(new Error('usage: scripts/demo.sh [up|zk|down]'));
run.catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
