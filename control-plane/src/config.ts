import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError, parseHostPort, type ErrorDetail } from '@hactl/shared';
import { PUSH_SLICE_HOSTS } from './reconcile/outbox.js';

export interface ControlPlaneConfig {
  dataDir: string;
  /**
   * A PostgreSQL URL (`postgres://user:pass@host:5432/db`) for a store shared by several
   * control-plane replicas (`--store`, or HACTL_STORE to keep a password out of `ps`); undefined:
   * SQLite in the data dir, one control plane.
   */
  store: string | undefined;
  /**
   * On a shared store: the leader lease's length (ms). The leader renews it every third of it; when
   * the leader dies another replica leads within about this long plus a third.
   */
  leaderLeaseMs: number;
  http: { host: string; port: number };
  grpc: { host: string; port: number };
  /**
   * Plain-text HTTP and gRPC without client certificates: loopback development only (both
   * listeners must be loopback addresses). Otherwise both serve TLS from the control plane's CA.
   */
  insecure: boolean;
  /** Extra DNS names or IPs for the server certificate (`--tls-name`), beyond the machine's own. */
  tlsNames: string[];
  /**
   * The host name or IP servers reach this control plane at, for install commands (`--advertise`);
   * undefined: the HTTP listen host when it is a specific address, else the machine's host name.
   */
  advertise: string | undefined;
  /** The agent bundle served at GET /agent-bundle.tar.gz (scripts/bundle-agent.sh makes it). */
  agentBundle: string;
  /** The install script served at GET /install.sh (deploy/install.sh). */
  installScript: string;
  /** How often agents report status and probe; also the basis of staleness. */
  reportIntervalMs: number;
  livenessFlushMs: number;
  /** A restart lease not released within this long expires. */
  leaseTtlMs: number;
  /** An agent stream that has not said hello within this long is ended. */
  helloTimeoutMs: number;
  /**
   * The gRPC listener's accept backlog: how many agent connections the kernel holds while the
   * control plane is busy accepting others (Linux caps it at net.core.somaxconn).
   */
  grpcListenBacklog: number;
  /**
   * Hosts whose new desired states are written to their streams per event-loop turn
   * (reconcile/outbox.ts): smaller keeps the loop freer during a fleet-wide change, larger sends a
   * change in fewer turns.
   */
  pushSliceHosts: number;
  /**
   * After each re-plan of only the hosts an apply touched, re-plan every host too and fail the
   * change if a skipped host's desired state would have differed (RevisionsOptions.checkReplan).
   * A development and test check: it costs a whole re-plan per change. The e2e labs turn it on.
   */
  checkReplan: boolean;
  logLevel: string;
}

/** Where this control plane is installed (the checkout or /opt/hactl): control-plane/dist/config.js → ../.. */
const INSTALL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function defaultConfig(): ControlPlaneConfig {
  return {
    dataDir: '/var/lib/hactl-control-plane',
    store: undefined,
    leaderLeaseMs: 5000,
    http: { host: '127.0.0.1', port: 7080 },
    grpc: { host: '0.0.0.0', port: 7443 },
    insecure: false,
    tlsNames: [],
    advertise: undefined,
    agentBundle: path.join(INSTALL_ROOT, '.bundle', 'agent-bundle.tar.gz'),
    installScript: path.join(INSTALL_ROOT, 'deploy', 'install.sh'),
    reportIntervalMs: 5000,
    livenessFlushMs: 5000,
    leaseTtlMs: 180_000,
    // An agent sends its hello as its first write on a new stream. Generous: after a control-plane
    // restart thousands of hellos queue behind each other's registration (one fsync'd transaction
    // each), and a legitimate agent cut off here would only reconnect and queue again.
    helloTimeoutMs: 30_000,
    // Node's default (511) overflowed with 3,000-5,000 agents connecting at once on a busy machine.
    grpcListenBacklog: 8192,
    pushSliceHosts: PUSH_SLICE_HOSTS,
    checkReplan: false,
    logLevel: 'info',
  };
}

/** Fast timings for tests and the lab. */
export function testConfig(dataDir: string): ControlPlaneConfig {
  return {
    ...defaultConfig(),
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    grpc: { host: '127.0.0.1', port: 0 },
    insecure: true,
    reportIntervalMs: 1000,
    livenessFlushMs: 1000,
  };
}

export const USAGE = `usage: hactl-control-plane --data-dir DIR --listen-http HOST:PORT --listen-grpc HOST:PORT [--insecure]
  --data-dir DIR            state directory (SQLite store); default /var/lib/hactl-control-plane
  --store postgres://…      a PostgreSQL store shared by several control-plane replicas (also
                            HACTL_STORE, which keeps a password out of ps); one replica leads and
                            runs the loops, the others relay agents and REST requests to it
  --leader-lease-ms N       with --store: the leader lease's length (default 5000)
  --listen-http HOST:PORT   REST admin API; default 127.0.0.1:7080
  --listen-grpc HOST:PORT   agent gRPC endpoint; default 0.0.0.0:7443
  --insecure                plain-text HTTP and gRPC, no agent certificates: loopback development
                            only (refused unless both listeners are on a loopback address)
  --advertise HOST          the name or IP servers reach this control plane at, for the commands
                            hactl install-command prints (default: the HTTP listen host, or the
                            machine's host name when that listens on every address)
  --agent-bundle FILE       the agent bundle to serve (default <install>/.bundle/agent-bundle.tar.gz,
                            made by scripts/bundle-agent.sh)
  --tls-name NAME           an extra DNS name or IP for the server certificate (repeatable); the
                            machine's host name and interface addresses are always in it
  --report-interval-ms N    how often agents probe and report (default 5000)
  --push-slice-hosts N      hosts whose new desired states are written per event-loop turn
                            (default 500)
  --check-replan            development and tests: check every partial re-plan against a whole
                            one and fail a change whose partial re-plan missed a host
  --log-level LEVEL         debug | info | warn | error (default info)`;

/**
 * Why `url` is not a PostgreSQL URL hactl can use, or undefined. The message never repeats the
 * URL, which may hold a password.
 */
export function storeUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    return `scheme ${JSON.stringify(u.protocol)} is not supported; expected postgres:// (SQLite is the default without --store)`;
  if (!u.hostname) return 'names no host; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';
  if (u.pathname.length <= 1)
    return 'names no database; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';
  return undefined;
}

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}

/** Reads flags (and HACTL_* env fallbacks); reports every problem at once. */
export function loadConfig(input: {
  argv: string[];
  env: Record<string, string | undefined>;
}): ControlPlaneConfig {
  const { values } = parseArgs({
    args: input.argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      store: { type: 'string' },
      'leader-lease-ms': { type: 'string' },
      'listen-http': { type: 'string' },
      'listen-grpc': { type: 'string' },
      insecure: { type: 'boolean' },
      'tls-name': { type: 'string', multiple: true },
      advertise: { type: 'string' },
      'agent-bundle': { type: 'string' },
      'report-interval-ms': { type: 'string' },
      'push-slice-hosts': { type: 'string' },
      'check-replan': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
  });
  const cfg = defaultConfig();
  const problems: ErrorDetail[] = [];
  const dataDir = values['data-dir'] ?? input.env.HACTL_DATA_DIR;
  if (dataDir !== undefined) cfg.dataDir = path.resolve(dataDir);
  const store = values.store ?? input.env.HACTL_STORE;
  if (store !== undefined) {
    const problem = storeUrlProblem(store);
    if (problem) problems.push({ path: '--store', message: problem });
    else cfg.store = store;
  }
  const lease = values['leader-lease-ms'];
  if (lease !== undefined) {
    if (!/^[0-9]+$/.test(lease) || Number(lease) < 500 || Number(lease) > 120_000)
      problems.push({ path: '--leader-lease-ms', message: 'must be an integer between 500 and 120000' });
    else if (cfg.store === undefined && store === undefined)
      problems.push({
        path: '--leader-lease-ms',
        message: 'needs --store: a lone control plane on SQLite has no leader lease',
      });
    else cfg.leaderLeaseMs = Number(lease);
  }
  for (const [flag, key] of [
    ['listen-http', 'http'],
    ['listen-grpc', 'grpc'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    const r = parseHostPort(v);
    if (typeof r === 'string') problems.push({ path: `--${flag}`, message: r });
    else cfg[key] = r;
  }
  cfg.insecure = values.insecure ?? false;
  if (cfg.insecure)
    for (const [flag, at] of [
      ['--listen-http', cfg.http],
      ['--listen-grpc', cfg.grpc],
    ] as const)
      if (!isLoopback(at.host))
        problems.push({
          path: '--insecure',
          message:
            `refused: ${flag} ${at.host} is not a loopback address; ` +
            `--insecure (plain text, no certificates) is for loopback development only. ` +
            `Drop --insecure to serve TLS with the control plane's CA`,
        });
  const adv = values.advertise;
  if (adv !== undefined) {
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(adv))
      problems.push({
        path: '--advertise',
        message: `${JSON.stringify(adv)} is not a host name or IP address`,
      });
    else cfg.advertise = adv;
  }
  if (values['agent-bundle'] !== undefined) cfg.agentBundle = path.resolve(values['agent-bundle']);
  for (const n of values['tls-name'] ?? []) {
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(n))
      problems.push({ path: '--tls-name', message: `${JSON.stringify(n)} is not a DNS name or IP address` });
    else cfg.tlsNames.push(n);
  }
  const ri = values['report-interval-ms'];
  if (ri !== undefined) {
    if (!/^[0-9]+$/.test(ri) || Number(ri) < 100 || Number(ri) > 600_000)
      problems.push({ path: '--report-interval-ms', message: 'must be an integer between 100 and 600000' });
    else cfg.reportIntervalMs = Number(ri);
  }
  const slice = values['push-slice-hosts'];
  if (slice !== undefined) {
    if (!/^[0-9]+$/.test(slice) || Number(slice) < 1 || Number(slice) > 100_000)
      problems.push({ path: '--push-slice-hosts', message: 'must be an integer between 1 and 100000' });
    else cfg.pushSliceHosts = Number(slice);
  }
  if (values['check-replan']) cfg.checkReplan = true;
  const level = values['log-level'] ?? input.env.HACTL_LOG_LEVEL;
  if (level !== undefined) {
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      problems.push({ path: '--log-level', message: 'must be debug, info, warn or error' });
    else cfg.logLevel = level;
  }
  if (problems.length) throw new ValidationError('invalid control plane configuration', problems);
  return cfg;
}
