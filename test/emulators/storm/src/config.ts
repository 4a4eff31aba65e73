import path from 'node:path';
import YAML from 'yaml';

/**
 * storm.yaml handling. Values follow conf/defaults.yaml (service-facts 3.1); only the keys the
 * emulator uses are listed, every other key in storm.yaml is kept and passed through untouched.
 */
export type StormConf = Record<string, unknown>;

export function defaultConfig(): StormConf {
  return {
    'storm.local.dir': 'storm-local',
    'storm.zookeeper.servers': ['localhost'],
    'storm.zookeeper.port': 2181,
    'storm.zookeeper.root': '/storm',
    'storm.zookeeper.session.timeout': 20000,
    'storm.zookeeper.connection.timeout': 15000,
    'storm.meta.serialization.delegate': 'org.apache.storm.serialization.GzipThriftSerializationDelegate',
    'nimbus.seeds': ['localhost'],
    'nimbus.thrift.port': 6627,
    'nimbus.code.sync.freq.secs': 120,
    'nimbus.supervisor.timeout.secs': 60,
    'nimbus.task.timeout.secs': 30,
    'nimbus.monitor.freq.secs': 10,
    'topology.min.replication.count': 1,
    'topology.max.replication.wait.time.sec': 60,
    'scheduler.display.resource': false,
    'ui.host': '0.0.0.0',
    'ui.port': 8080,
    'logviewer.port': 8000,
    'drpc.port': 3772,
    'supervisor.thrift.port': 6628,
    'supervisor.slots.ports': [6700, 6701, 6702, 6703],
    'supervisor.heartbeat.frequency.secs': 5,
    'supervisor.memory.capacity.mb': 4096.0,
    'supervisor.cpu.capacity': 400.0,
  };
}

export class ConfigError extends Error {
  readonly code = 'STORM_CONFIG';
  readonly retriable = false;
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export interface CliArgs {
  command: string | undefined;
  rest: string[];
  configFile: string | undefined;
  /** `-c key=value` overrides, values parsed as YAML like the real CLI does. */
  overrides: StormConf;
}

/** `storm [--config FILE] [-c key=value]... COMMAND [ARGS]` */
export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { command: undefined, rest: [], configFile: undefined, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' && i + 1 < argv.length) {
      out.configFile = argv[++i];
    } else if (a.startsWith('--config=')) {
      out.configFile = a.slice('--config='.length);
    } else if (a.startsWith('-D')) {
      // a JVM system property on the real command line (bin/storm adds -Ddaemon.name=<role>)
    } else if ((a === '-c' || a === '--storm_config_opts') && i + 1 < argv.length) {
      const kv = argv[++i]!;
      const eq = kv.indexOf('=');
      if (eq > 0) out.overrides[kv.slice(0, eq)] = YAML.parse(kv.slice(eq + 1)) as unknown;
    } else if (out.command === undefined) {
      out.command = a;
    } else {
      out.rest.push(a);
    }
  }
  return out;
}

/**
 * Where storm.yaml is read from: `--config FILE`, else `$STORM_CONF_DIR/storm.yaml`, else
 * `<STORM_HOME>/conf/storm.yaml` (bin/storm.py: STORM_CONF_DIR defaults to STORM_HOME/conf).
 */
export function resolveConfPath(
  args: CliArgs,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  if (args.configFile) return path.resolve(args.configFile);
  const confDir = env.STORM_CONF_DIR ?? path.join(home, 'conf');
  return path.join(confDir, 'storm.yaml');
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
}

/** Merges defaults, storm.yaml text and CLI overrides; reports every problem at once. */
export function loadConfig(opts: {
  fileText: string | undefined;
  overrides: StormConf;
  home: string;
}): StormConf {
  const problems: string[] = [];
  let fromFile: StormConf = {};
  if (opts.fileText !== undefined) {
    try {
      const parsed = YAML.parse(opts.fileText) as unknown;
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed))
          problems.push('storm.yaml must be a YAML map');
        else fromFile = parsed as StormConf;
      }
    } catch (err) {
      problems.push(`storm.yaml is not valid YAML: ${(err as Error).message}`);
    }
  }
  const conf: StormConf = { ...defaultConfig(), ...fromFile, ...opts.overrides };
  if (!isStringList(conf['storm.zookeeper.servers']) || conf['storm.zookeeper.servers'].length === 0) {
    problems.push('storm.zookeeper.servers must be a non-empty list of host names');
  }
  if (!isStringList(conf['nimbus.seeds'])) problems.push('nimbus.seeds must be a list of host names');
  for (const key of [
    'storm.zookeeper.port',
    'nimbus.thrift.port',
    'ui.port',
    'logviewer.port',
    'supervisor.thrift.port',
  ]) {
    if (!isPort(conf[key])) problems.push(`${key} must be a port number`);
  }
  const slots = conf['supervisor.slots.ports'];
  if (!Array.isArray(slots) || !slots.every(isPort))
    problems.push('supervisor.slots.ports must be a list of ports');
  const root = conf['storm.zookeeper.root'];
  if (typeof root !== 'string' || !root.startsWith('/'))
    problems.push('storm.zookeeper.root must start with /');
  for (const key of [
    'storm.zookeeper.session.timeout',
    'storm.zookeeper.connection.timeout',
    'supervisor.heartbeat.frequency.secs',
  ]) {
    if (typeof conf[key] !== 'number' || (conf[key] as number) <= 0)
      problems.push(`${key} must be a positive number`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const localDir = String(conf['storm.local.dir']);
  conf['storm.local.dir'] = path.isAbsolute(localDir) ? localDir : path.join(opts.home, localDir);
  if (typeof conf['storm.log.dir'] !== 'string') conf['storm.log.dir'] = path.join(opts.home, 'logs');
  return conf;
}

/** Typed views of the keys the daemons use. */
export const confStr = (c: StormConf, k: string): string => String(c[k]);
export const confNum = (c: StormConf, k: string): number => Number(c[k]);
export const confList = (c: StormConf, k: string): string[] => (c[k] as unknown[]).map(String);
export const confPorts = (c: StormConf, k: string): number[] => (c[k] as unknown[]).map(Number);

/** `h1:2181,h2:2181/storm`: the root is a chroot (CuratorUtils.newCurator, service-facts 3.1). */
export function zkConnectString(conf: StormConf, withRoot: boolean): string {
  const port = confNum(conf, 'storm.zookeeper.port');
  const hosts = confList(conf, 'storm.zookeeper.servers')
    .map((h) => `${h}:${port}`)
    .join(',');
  const root = confStr(conf, 'storm.zookeeper.root');
  return withRoot && root !== '/' ? `${hosts}${root}` : hosts;
}

/**
 * The host identity a daemon advertises: `storm.local.hostname` when set, else the canonical
 * host name (NimbusInfo.fromConf / Utils.hostname).
 */
export function localHostname(conf: StormConf, fallback: string): string {
  const h = conf['storm.local.hostname'];
  return typeof h === 'string' && h.length > 0 ? h : fallback;
}
