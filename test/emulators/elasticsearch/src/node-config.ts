import path from 'node:path';
import { checkRoles, RoleError } from './roles.js';
import {
  checkKnownSettings,
  getBool,
  getList,
  getString,
  parsePortRange,
  SettingsError,
  type FlatSettings,
} from './settings.js';
import { parseTimeValue, TimeValueError } from './time-value.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Coordination timings; defaults are ES 8.x's (Coordinator, LeaderChecker, FollowersChecker, ElectionSchedulerFactory). */
export interface Timings {
  findPeersIntervalMs: number;
  leaderCheckIntervalMs: number;
  leaderCheckTimeoutMs: number;
  leaderCheckRetryCount: number;
  followerCheckIntervalMs: number;
  followerCheckTimeoutMs: number;
  followerCheckRetryCount: number;
  electionInitialTimeoutMs: number;
  electionBackOffMs: number;
  electionMaxTimeoutMs: number;
  publishTimeoutMs: number;
  formationWarningTimeoutMs: number;
}

export interface NodeConfig {
  clusterName: string;
  nodeName: string;
  roles: string[];
  attributes: Record<string, string>;
  transportBindHost: string;
  transportPublishHost: string;
  transportPorts: [number, number];
  transportPublishPort: number | undefined;
  httpBindHost: string;
  httpPublishHost: string;
  httpPorts: [number, number];
  httpPublishPort: number | undefined;
  seedHosts: HostPort[];
  initialMasterNodes: string[];
  singleNode: boolean;
  dataPath: string;
  logsPath: string;
  autoShrinkVotingConfiguration: boolean;
  timings: Timings;
  /** `undefined` when not set: 8.x then defaults to true (and would auto-configure TLS, service-facts 4.1). */
  securityEnabled: boolean | undefined;
  httpSslEnabled: boolean;
  settings: FlatSettings;
}

export interface ConfigContext {
  esHome: string;
  hostname: string;
}

/**
 * Turns validated flat settings into the node's configuration. Throws SettingsError with ES's text for
 * the first problem found. Pure: host names are resolved later by the caller.
 */
export function resolveNodeConfig(settings: FlatSettings, ctx: ConfigContext): NodeConfig {
  checkKnownSettings(settings);
  try {
    return resolveChecked(settings, ctx);
  } catch (err) {
    if (err instanceof RoleError || err instanceof TimeValueError) throw new SettingsError(err.message);
    throw err;
  }
}

function resolveChecked(settings: FlatSettings, ctx: ConfigContext): NodeConfig {
  const str = (k: string): string | undefined => getString(settings, k);
  const time = (k: string, def: string): number => parseTimeValue(str(k) ?? def, k);
  const int = (k: string, def: number): number => {
    const v = str(k);
    if (v === undefined) return def;
    if (!/^-?\d+$/.test(v)) throw new SettingsError(`Failed to parse value [${v}] for setting [${k}]`);
    return Number(v);
  };

  const roles = checkRoles(getList(settings, 'node.roles'));
  const discoveryType = str('discovery.type') ?? 'multi-node';
  if (discoveryType !== 'multi-node' && discoveryType !== 'single-node') {
    throw new SettingsError(`Unknown discovery type [${discoveryType}]`);
  }
  const singleNode = discoveryType === 'single-node';
  const initialMasterNodes = getList(settings, 'cluster.initial_master_nodes') ?? [];
  if (singleNode && initialMasterNodes.length > 0) {
    // ClusterBootstrapService: the two ways of bootstrapping are mutually exclusive.
    throw new SettingsError('setting [cluster.initial_master_nodes] is not allowed when [discovery.type] is set to [single-node]');
  }
  if (singleNode && !roles.includes('master')) {
    throw new SettingsError('node with [discovery.type] set to [single-node] must be master-eligible');
  }
  const dup = initialMasterNodes.find((n, i) => initialMasterNodes.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new SettingsError(`setting [cluster.initial_master_nodes] contains duplicates: [${dup}]`);
  }

  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (k.startsWith('node.attr.')) attributes[k.slice('node.attr.'.length)] = Array.isArray(v) ? v.join(',') : v;
  }

  const networkHost = str('network.host') ?? '_local_';
  const networkBind = str('network.bind_host') ?? networkHost;
  const networkPublish = str('network.publish_host') ?? networkHost;
  const transportHost = str('transport.host');
  const httpHost = str('http.host');

  const seedRaw = getList(settings, 'discovery.seed_hosts');
  // Without discovery.seed_hosts ES probes the local transport ports 9300-9305 (SettingsBasedSeedHostsProvider).
  const seedHosts: HostPort[] =
    seedRaw === undefined
      ? [0, 1, 2, 3, 4, 5].map((i) => ({ host: '127.0.0.1', port: 9300 + i }))
      : seedRaw.map((s) => parseSeedHost(s));

  const resolvePath = (p: string): string => (path.isAbsolute(p) ? p : path.resolve(ctx.esHome, p));
  const dataList = getList(settings, 'path.data');
  if (dataList && dataList.length > 1) {
    // ES 8 deprecated multiple data paths; the emulator keeps one node state and says so.
    throw new SettingsError('emulator: multiple [path.data] entries are not supported');
  }
  const timings: Timings = {
    findPeersIntervalMs: time('discovery.find_peers_interval', '1s'),
    leaderCheckIntervalMs: time('cluster.fault_detection.leader_check.interval', '1s'),
    leaderCheckTimeoutMs: time('cluster.fault_detection.leader_check.timeout', '10s'),
    leaderCheckRetryCount: int('cluster.fault_detection.leader_check.retry_count', 3),
    followerCheckIntervalMs: time('cluster.fault_detection.follower_check.interval', '1s'),
    followerCheckTimeoutMs: time('cluster.fault_detection.follower_check.timeout', '10s'),
    followerCheckRetryCount: int('cluster.fault_detection.follower_check.retry_count', 3),
    electionInitialTimeoutMs: time('cluster.election.initial_timeout', '100ms'),
    electionBackOffMs: time('cluster.election.back_off_time', '100ms'),
    electionMaxTimeoutMs: time('cluster.election.max_timeout', '10s'),
    publishTimeoutMs: time('cluster.publish.timeout', '30s'),
    formationWarningTimeoutMs: time('discovery.cluster_formation_warning_timeout', '10s'),
  };
  if (timings.leaderCheckIntervalMs < 100) {
    throw new SettingsError(
      `failed to parse value [${str('cluster.fault_detection.leader_check.interval')}] for setting [cluster.fault_detection.leader_check.interval], must be >= [100ms]`,
    );
  }

  const securityRaw = str('xpack.security.enabled');
  return {
    clusterName: str('cluster.name') ?? 'elasticsearch',
    nodeName: str('node.name') ?? ctx.hostname,
    roles,
    attributes,
    transportBindHost: str('transport.bind_host') ?? transportHost ?? networkBind,
    transportPublishHost: str('transport.publish_host') ?? transportHost ?? networkPublish,
    transportPorts: parsePortRange(settings, 'transport.port', '9300-9400'),
    transportPublishPort: str('transport.publish_port') !== undefined ? int('transport.publish_port', 0) : undefined,
    httpBindHost: str('http.bind_host') ?? httpHost ?? networkBind,
    httpPublishHost: str('http.publish_host') ?? httpHost ?? networkPublish,
    httpPorts: parsePortRange(settings, 'http.port', '9200-9300'),
    httpPublishPort: str('http.publish_port') !== undefined ? int('http.publish_port', 0) : undefined,
    seedHosts,
    initialMasterNodes,
    singleNode,
    dataPath: resolvePath(dataList?.[0] ?? 'data'),
    logsPath: resolvePath(str('path.logs') ?? 'logs'),
    autoShrinkVotingConfiguration: getBool(settings, 'cluster.auto_shrink_voting_configuration', true),
    timings,
    securityEnabled: securityRaw === undefined ? undefined : getBool(settings, 'xpack.security.enabled', true),
    httpSslEnabled: getBool(settings, 'xpack.security.http.ssl.enabled', false),
    settings,
  };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; the port defaults to 9300 (service-facts 4.1). */
export function parseSeedHost(s: string): HostPort {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 9300 };
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) {
    const port = Number(s.slice(i + 1));
    if (!Number.isInteger(port)) throw new SettingsError(`failed to resolve host [${s}]`);
    return { host: s.slice(0, i), port };
  }
  return { host: s, port: 9300 };
}
