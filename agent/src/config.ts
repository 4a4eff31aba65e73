import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  HOST_RE,
  ValidationError,
  checkPath,
  parseLabelArg,
  normalisePath,
  parseHostPort,
  type ErrorDetail,
} from '@hactl/shared';
import { normaliseFingerprint } from './enroll/first-contact.js';

export interface AgentConfig {
  /**
   * The control plane's gRPC endpoints, `HOST:PORT` each (`--server a:7443,b:7443`): replicas on one
   * store, any of which serves the agent stream (issue 15). Never empty, no duplicates.
   */
  servers: string[];
  name: string;
  address: string;
  stateDir: string;
  dataRoot: string;
  /** Plain-text gRPC to a loopback control plane (development only). */
  insecure: boolean;
  /** First contact (issue 12): a join token, and the CA's SHA-256 or a CA file. */
  token: string | undefined;
  caSha256: string | undefined;
  caFile: string | undefined;
  labels: Record<string, string>;
  /** Used until the control plane's welcome says otherwise. */
  reportIntervalMs: number;
  probeTimeoutMs: number;
  logMaxBytes: number;
  backoff: { baseMs: number; maxMs: number };
  logLevel: string;
  /**
   * `auto`: when the agent runs as root, each service runs under its kind's own system account
   * (created when missing); `off`: every service runs as the agent's user.
   */
  serviceUsers: 'auto' | 'off';
  /**
   * Hosts (`host` or `host:port`) `distribution.package.url` may point at. The control plane cannot
   * widen it: an empty list means no package is ever downloaded (issue 16 #5).
   */
  packageHosts: string[];
  /**
   * The operator's explicit consent to follow a control plane this agent does not know (issue 16
   * #6): the id of the one to accept. Its first desired state after this start is applied even when
   * it replaces the agent's remembered control plane, goes back in generation, or removes every
   * instance; from then on the normal rules hold.
   */
  acceptControlPlane: string | undefined;
  /**
   * `--allow-exec`: run arbitrary commands from the control plane (`hactl exec`, tokens with the
   * exec scope). Off by default: an agent refuses them unless its operator opted in on this host.
   */
  allowExec: boolean;
}

export function defaultConfig(): AgentConfig {
  return {
    servers: ['127.0.0.1:7443'],
    name: '',
    address: '',
    stateDir: '/var/lib/hactl-agent',
    dataRoot: '/var/lib/hactl',
    insecure: false,
    token: undefined,
    caSha256: undefined,
    caFile: undefined,
    labels: {},
    reportIntervalMs: 5000,
    probeTimeoutMs: 2000,
    logMaxBytes: 50 * 1024 * 1024,
    backoff: { baseMs: 500, maxMs: 30_000 },
    logLevel: 'info',
    serviceUsers: 'auto',
    packageHosts: [],
    acceptControlPlane: undefined,
    allowExec: false,
  };
}

/** Fast timings for tests and the lab. */
export function testConfig(over: Partial<AgentConfig>): AgentConfig {
  return {
    ...defaultConfig(),
    insecure: true,
    reportIntervalMs: 1000,
    probeTimeoutMs: 1000,
    logMaxBytes: 5 * 1024 * 1024,
    backoff: { baseMs: 200, maxMs: 2000 },
    ...over,
  };
}

export const USAGE = `usage: hactl-agent --server HOST:PORT[,HOST:PORT...] --name NAME --address IP --state-dir DIR [--data-root DIR] [--insecure]
  --server HOST:PORT[,HOST:PORT...]
                       control plane gRPC endpoint, or a comma list of its replicas
                       (--server a:7443,b:7443,c:7443; env HACTL_AGENT_SERVER): the agent starts at a
                       random one, moves to the next when a connection fails or ends, and backs off
                       only after every address failed
  --name NAME          this host's name in the fleet
  --address IP         the address this server owns; services bind and advertise it
  --state-dir DIR      agent state (applied desired state, pid files); default /var/lib/hactl-agent
  --data-root DIR      service data and logs unless a spec says otherwise; default /var/lib/hactl
  --label K=V          host label (repeatable), e.g. --label rack=r1
  --token TOKEN        join token for the first enrollment (hactl token create; env HACTL_AGENT_TOKEN);
                       not needed once the agent holds a valid certificate in <state-dir>/tls
  --ca-sha256 FP       trust the control plane whose CA certificate has this SHA-256 (first contact)
  --ca-file PATH       trust the control plane's CA from this PEM file (first contact)
  --insecure           plain-text gRPC without certificates: loopback development only (refused
                       unless every --server address is a loopback address)
  --log-level LEVEL    debug | info | warn | error
  --service-users MODE auto (default): as root, run each service as its own system user
                       (zookeeper, kafka, storm, elasticsearch; created when missing); off: as the agent's user
  --package-host HOST[:PORT]
                       a host distribution.package.url may download from (repeatable; env
                       HACTL_AGENT_PACKAGE_HOSTS=a,b). Without one, no package is downloaded
  --accept-control-plane ID
                       follow the control plane with this id (GET /v1/info) although this agent
                       belongs to another one, or it went back in generation, or its first desired
                       state removes every instance; the agent refuses all three otherwise
  --allow-exec         run arbitrary commands sent by tokens with the exec scope (hactl exec);
                       off by default: named actions and logs only`;

export function loadConfig(input: { argv: string[]; env: Record<string, string | undefined> }): AgentConfig {
  const { values } = parseArgs({
    args: input.argv,
    strict: true,
    options: {
      server: { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
      'state-dir': { type: 'string' },
      'data-root': { type: 'string' },
      label: { type: 'string', multiple: true },
      insecure: { type: 'boolean' },
      token: { type: 'string' },
      'ca-sha256': { type: 'string' },
      'ca-file': { type: 'string' },
      'log-level': { type: 'string' },
      'backoff-max-ms': { type: 'string' },
      'service-users': { type: 'string' },
      'package-host': { type: 'string', multiple: true },
      'accept-control-plane': { type: 'string' },
      'allow-exec': { type: 'boolean' },
    },
  });
  const cfg = defaultConfig();
  const problems: ErrorDetail[] = [];
  const server = values.server ?? input.env.HACTL_AGENT_SERVER;
  if (!server) problems.push({ path: '--server', message: 'is required' });
  else {
    const parsed = parseServerList(server);
    if (parsed.problems.length) problems.push(...parsed.problems);
    else cfg.servers = parsed.servers;
  }
  const name = values.name ?? input.env.HACTL_AGENT_NAME;
  if (!name) problems.push({ path: '--name', message: 'is required' });
  else if (!HOST_RE.test(name))
    problems.push({ path: '--name', message: 'must be a hostname (letters, digits, ".", "-")' });
  else cfg.name = name;
  const address = values.address ?? input.env.HACTL_AGENT_ADDRESS;
  if (!address) problems.push({ path: '--address', message: 'is required' });
  else if (net.isIP(address) === 0)
    problems.push({ path: '--address', message: `${JSON.stringify(address)} is not an IP address` });
  else cfg.address = address;
  for (const [flag, key] of [
    ['state-dir', 'stateDir'],
    ['data-root', 'dataRoot'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    // A relative flag is taken from the working directory; the result must pass the rules every
    // path does (paths.ts), which the control plane applies to the data root in the hello too.
    const abs = path.resolve(v);
    const bad = checkPath(`--${flag}`, abs);
    if (bad.length) problems.push(...bad);
    else cfg[key] = normalisePath(abs);
  }
  for (const l of values.label ?? []) {
    const label = parseLabelArg(l);
    if ('problem' in label) problems.push({ path: '--label', message: label.problem });
    else cfg.labels[label.key] = label.value;
  }
  cfg.insecure = values.insecure ?? false;
  const remote = cfg.servers.filter((s) => !isLoopback(s));
  if (cfg.insecure && server && remote.length)
    problems.push({
      path: '--insecure',
      message:
        `refused: --server ${remote.join(',')} ${remote.length > 1 ? 'are not loopback addresses' : 'is not a loopback address'}; ` +
        `--insecure (plain text, no certificates) is for loopback development only. Enroll with --token and --ca-sha256 instead`,
    });
  const token = values.token ?? (input.env.HACTL_AGENT_TOKEN || undefined);
  if (token !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(token))
      problems.push({ path: '--token', message: 'is not a join token (letters, digits, "_", "-")' });
    else cfg.token = token;
  }
  const fp = values['ca-sha256'] ?? (input.env.HACTL_AGENT_CA_SHA256 || undefined);
  if (fp !== undefined) {
    const hex = normaliseFingerprint(fp);
    if (!hex)
      problems.push({
        path: '--ca-sha256',
        message: 'must be a SHA-256 fingerprint: 64 hex digits (colons allowed)',
      });
    else cfg.caSha256 = hex;
  }
  const caFile = values['ca-file'] ?? (input.env.HACTL_AGENT_CA_FILE || undefined);
  if (caFile !== undefined) cfg.caFile = path.resolve(caFile);
  if (cfg.insecure && (cfg.token || cfg.caSha256 || cfg.caFile))
    problems.push({
      path: '--insecure',
      message: 'cannot be combined with --token, --ca-sha256 or --ca-file',
    });
  const bm = values['backoff-max-ms'];
  if (bm !== undefined) {
    if (!/^[0-9]+$/.test(bm) || Number(bm) < 100)
      problems.push({ path: '--backoff-max-ms', message: 'must be an integer >= 100' });
    else cfg.backoff = { baseMs: Math.min(cfg.backoff.baseMs, Number(bm)), maxMs: Number(bm) };
  }
  const level = values['log-level'] ?? input.env.HACTL_LOG_LEVEL;
  if (level !== undefined) {
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      problems.push({ path: '--log-level', message: 'must be debug, info, warn or error' });
    else cfg.logLevel = level;
  }
  const su = values['service-users'];
  if (su !== undefined) {
    if (su !== 'auto' && su !== 'off')
      problems.push({ path: '--service-users', message: 'must be auto or off' });
    else cfg.serviceUsers = su;
  }
  const hosts =
    values['package-host'] ??
    input.env.HACTL_AGENT_PACKAGE_HOSTS?.split(',')
      .map((h) => h.trim())
      .filter(Boolean) ??
    [];
  for (const h of hosts) {
    if (!PACKAGE_HOST_RE.test(h))
      problems.push({ path: '--package-host', message: `${JSON.stringify(h)} is not HOST or HOST:PORT` });
    else cfg.packageHosts.push(h);
  }
  const accept = values['accept-control-plane'];
  if (accept !== undefined) {
    if (!CONTROL_PLANE_ID_RE.test(accept))
      problems.push({
        path: '--accept-control-plane',
        message: 'must be a control plane id as GET /v1/info shows it',
      });
    else cfg.acceptControlPlane = accept;
  }
  cfg.allowExec = values['allow-exec'] === true;
  if (problems.length) throw new ValidationError('invalid agent configuration', problems);
  return cfg;
}

/**
 * `--server`'s value: one `HOST:PORT`, or a comma list of them. Each entry is checked on its own (a
 * bad one is named by its position, as the operator counts: from 1) and the same endpoint twice is
 * refused, since it would take two turns of the rotation and hide a typo for a third replica.
 */
export function parseServerList(value: string): { servers: string[]; problems: ErrorDetail[] } {
  const entries = value.split(',').map((e) => e.trim());
  const servers: string[] = [];
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const hp = parseHostPort(entry);
    // The single-address form reports as it always did; a list names the entry.
    const named = (m: string) => (entries.length === 1 ? m : `entry ${i + 1} ${JSON.stringify(entry)}: ${m}`);
    if (typeof hp === 'string') {
      problems.push({ path: '--server', message: named(entry ? hp : 'is empty') });
      return;
    }
    const key = `${hp.host.toLowerCase()}:${hp.port}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ path: '--server', message: named(`repeats entry ${first}`) });
      return;
    }
    seen.set(key, i + 1);
    servers.push(entry);
  });
  return { servers, problems };
}

function isLoopback(server: string): boolean {
  const hp = parseHostPort(server);
  return typeof hp !== 'string' && /^(127\.[0-9.]+|::1|localhost)$/.test(hp.host);
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
const PACKAGE_HOST_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(:[0-9]{1,5})?$/;

/** Control plane ids as the control plane generates them (22 base64url characters) or close to it. */
export const CONTROL_PLANE_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
