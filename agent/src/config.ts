import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HOST_RE, ValidationError, parseHostPort, type ErrorDetail } from '@hactl/shared';

export interface AgentConfig {
  server: string;
  name: string;
  address: string;
  stateDir: string;
  dataRoot: string;
  insecure: boolean;
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
}

export function defaultConfig(): AgentConfig {
  return {
    server: '127.0.0.1:7443',
    name: '',
    address: '',
    stateDir: '/var/lib/hactl-agent',
    dataRoot: '/var/lib/hactl',
    insecure: false,
    labels: {},
    reportIntervalMs: 5000,
    probeTimeoutMs: 2000,
    logMaxBytes: 50 * 1024 * 1024,
    backoff: { baseMs: 500, maxMs: 30_000 },
    logLevel: 'info',
    serviceUsers: 'auto',
  };
}

/** Fast timings for tests and the lab. */
export function testConfig(over: Partial<AgentConfig>): AgentConfig {
  return { ...defaultConfig(), insecure: true, reportIntervalMs: 1000, probeTimeoutMs: 1000, logMaxBytes: 5 * 1024 * 1024, backoff: { baseMs: 200, maxMs: 2000 }, ...over };
}

export const USAGE = `usage: hactl-agent --server HOST:PORT --name NAME --address IP --state-dir DIR [--data-root DIR] [--insecure]
  --server HOST:PORT   control plane gRPC endpoint
  --name NAME          this host's name in the fleet
  --address IP         the address this server owns; services bind and advertise it
  --state-dir DIR      agent state (applied desired state, pid files); default /var/lib/hactl-agent
  --data-root DIR      service data and logs unless a spec says otherwise; default /var/lib/hactl
  --label K=V          host label (repeatable), e.g. --label rack=r1
  --insecure           plain-text gRPC (required until TLS lands)
  --log-level LEVEL    debug | info | warn | error
  --service-users MODE auto (default): as root, run each service as its own system user
                       (zookeeper, kafka, storm, elasticsearch; created when missing); off: as the agent's user`;

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
      'log-level': { type: 'string' },
      'backoff-max-ms': { type: 'string' },
      'service-users': { type: 'string' },
    },
  });
  const cfg = defaultConfig();
  const problems: ErrorDetail[] = [];
  const server = values.server ?? input.env.HACTL_AGENT_SERVER;
  if (!server) problems.push({ path: '--server', message: 'is required' });
  else if (typeof parseHostPort(server) === 'string') problems.push({ path: '--server', message: parseHostPort(server) as string });
  else cfg.server = server;
  const name = values.name ?? input.env.HACTL_AGENT_NAME;
  if (!name) problems.push({ path: '--name', message: 'is required' });
  else if (!HOST_RE.test(name)) problems.push({ path: '--name', message: 'must be a hostname (letters, digits, ".", "-")' });
  else cfg.name = name;
  const address = values.address ?? input.env.HACTL_AGENT_ADDRESS;
  if (!address) problems.push({ path: '--address', message: 'is required' });
  else if (net.isIP(address) === 0) problems.push({ path: '--address', message: `${JSON.stringify(address)} is not an IP address` });
  else cfg.address = address;
  for (const [flag, key] of [['state-dir', 'stateDir'], ['data-root', 'dataRoot']] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    const abs = path.resolve(v);
    if (/[\s\u0000-\u001f]/.test(abs)) problems.push({ path: `--${flag}`, message: 'must not contain whitespace or control characters' });
    else cfg[key] = abs;
  }
  for (const l of values.label ?? []) {
    const m = /^([A-Za-z0-9._/-]{1,63})=([A-Za-z0-9._-]{0,63})$/.exec(l);
    if (!m) problems.push({ path: '--label', message: `${JSON.stringify(l)} is not KEY=VALUE with [A-Za-z0-9._-]` });
    else cfg.labels[m[1]!] = m[2]!;
  }
  cfg.insecure = values.insecure ?? false;
  if (!cfg.insecure) problems.push({ path: '--insecure', message: 'TLS is not implemented yet; pass --insecure to use plain-text gRPC' });
  const bm = values['backoff-max-ms'];
  if (bm !== undefined) {
    if (!/^[0-9]+$/.test(bm) || Number(bm) < 100) problems.push({ path: '--backoff-max-ms', message: 'must be an integer >= 100' });
    else cfg.backoff = { baseMs: Math.min(cfg.backoff.baseMs, Number(bm)), maxMs: Number(bm) };
  }
  const level = values['log-level'] ?? input.env.HACTL_LOG_LEVEL;
  if (level !== undefined) {
    if (!['debug', 'info', 'warn', 'error'].includes(level)) problems.push({ path: '--log-level', message: 'must be debug, info, warn or error' });
    else cfg.logLevel = level;
  }
  const su = values['service-users'];
  if (su !== undefined) {
    if (su !== 'auto' && su !== 'off') problems.push({ path: '--service-users', message: 'must be auto or off' });
    else cfg.serviceUsers = su;
  }
  if (problems.length) throw new ValidationError('invalid agent configuration', problems);
  return cfg;
}
