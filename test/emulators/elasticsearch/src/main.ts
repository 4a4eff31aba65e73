import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, parseCliArgs, type CliArgs } from './cli-args.js';
import { checkHeap, parseJvmOptions, type JvmOptionsFile } from './jvm-options.js';
import { createLogger, formatLine, L, type Logger } from './log.js';
import { resolveNodeConfig, type NodeConfig } from './node-config.js';
import { startNode, StartupError, type RunningNode } from './node.js';
import { mergeOverrides, parseSettingsYaml, SettingsError } from './settings.js';
import { BUNDLED_JDK_MAJOR, ES_VERSION } from './version.js';

/**
 * Entry point behind `bin/elasticsearch`. The only place that reads process.env and argv.
 * Exit codes follow ES: 0 for --version, 1 for a fatal startup exception, 78 (ExitCodes.CONFIG) for
 * jvm.options errors and failed bootstrap checks, 64 for bad command-line usage, 143 after SIGTERM
 * ("When a JVM receives a SIGTERM signal it exits with code 143", ES's systemd unit).
 */
const env = process.env;
const esHome = env.ES_HOME ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../../emulators/elasticsearch');
const confDir = env.ES_PATH_CONF ?? path.join(esHome, 'config');

function die(code: number, message: string): never {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  process.exit(code);
}

let args: CliArgs;
try {
  args = parseCliArgs(process.argv.slice(2));
} catch (err) {
  die(64, `ERROR: ${(err as CliError).message}`);
}
if (args.help) {
  process.stdout.write('Starts Elasticsearch\n\nOption                Description\n------                -----------\n-E <KeyValuePair>     Configure a setting\n-V, --version         Prints Elasticsearch version information and exits\n-d, --daemonize       Starts Elasticsearch in the background\n-h, --help            Show help\n-p, --pidfile <Path>  Creates a pid file in the specified path on start\n-q, --quiet           Turns off standard output/error streams logging in console\n-s, --silent          Show minimal output\n-v, --verbose         Show verbose output\n');
  process.exit(0);
}
if (args.version) {
  process.stdout.write(`Version: ${ES_VERSION.number}, Build: ${ES_VERSION.build_type}/${ES_VERSION.build_hash}/${ES_VERSION.build_date}, JVM: 23\n`);
  process.exit(0);
}

// -d: re-run in the background and return once the node has started (or failed), as ServerCli does.
if (args.daemonize && env.ES_EMULATOR_DAEMON_CHILD !== '1') {
  const child = spawn(process.execPath, [process.argv[1]!, ...process.argv.slice(2).filter((a) => a !== '-d' && a !== '--daemonize')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...env, ES_EMULATOR_DAEMON_CHILD: '1' },
  });
  child.on('message', (m) => {
    if (m === 'started') {
      child.disconnect();
      child.unref();
      process.exit(0);
    }
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  void boot();
}

function readJvmOptionFiles(): JvmOptionsFile[] {
  const main = path.join(confDir, 'jvm.options');
  if (!fs.existsSync(main)) die(1, `Exception in thread "main" java.nio.file.NoSuchFileException: ${main}`);
  const files: JvmOptionsFile[] = [{ path: main, text: fs.readFileSync(main, 'utf8') }];
  const dir = path.join(confDir, 'jvm.options.d');
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.options')).sort()) {
      files.push({ path: path.join(dir, f), text: fs.readFileSync(path.join(dir, f), 'utf8') });
    }
  }
  return files;
}

async function boot(): Promise<void> {
  // 1. jvm.options (the CLI parses these before the server JVM exists).
  const jvm = parseJvmOptions(readJvmOptionFiles(), env.ES_JAVA_OPTS, BUNDLED_JDK_MAJOR);
  if (jvm.error) die(78, jvm.error);
  const heap = checkHeap(jvm.options);
  if (heap.fatal) die(1, heap.fatal);

  // 2. Settings.
  const ymlPath = path.join(confDir, 'elasticsearch.yml');
  let nodeNameForLog = os.hostname();
  const log: { file?: string } = {};
  const fatal = (message: string, suppressed: readonly string[] = []): never => {
    const line = formatLine(new Date(), 'ERROR', L.bootstrap, nodeNameForLog, `fatal exception while booting Elasticsearch${message}`);
    const text = [line, ...suppressed.map((s) => `\tSuppressed: java.lang.IllegalArgumentException: ${s}`)].join('\n');
    if (!args.quiet) process.stdout.write(text + '\n');
    if (log.file) fs.appendFileSync(log.file, text + '\n');
    die(1, `\nERROR: Elasticsearch did not exit normally - check the logs at ${log.file ?? path.join(esHome, 'logs')}\n\nERROR: Elasticsearch died while starting up, with exit code 1`);
  };
  let config: NodeConfig;
  try {
    const text = fs.existsSync(ymlPath) ? fs.readFileSync(ymlPath, 'utf8') : '';
    const flat = mergeOverrides(parseSettingsYaml(text, env), args.settings);
    const n = flat['node.name'];
    if (typeof n === 'string') nodeNameForLog = n;
    config = resolveNodeConfig(flat, { esHome, hostname: os.hostname() });
  } catch (err) {
    if (err instanceof SettingsError) fatal(`java.lang.IllegalArgumentException: ${err.message}`, err.suppressed);
    throw err;
  }
  fs.mkdirSync(config.logsPath, { recursive: true });
  const logFile = path.join(config.logsPath, `${config.clusterName}.log`);
  log.file = logFile;
  const fileFd = fs.openSync(logFile, 'a');
  // DEBUG lines only when asked for (ES: `logger.level: DEBUG` in elasticsearch.yml).
  const debug = String(config.settings['logger.level'] ?? '').toUpperCase() === 'DEBUG' || env.ES_EMULATOR_DEBUG === '1';
  const logger: Logger = createLogger(
    () => config.nodeName,
    (line) => {
      if (!debug && line.includes('][DEBUG]')) return;
      if (!args.quiet) process.stdout.write(line + '\n');
      fs.writeSync(fileFd, line + '\n');
    },
  );

  if (args.pidfile) {
    fs.mkdirSync(path.dirname(path.resolve(args.pidfile)), { recursive: true });
    fs.writeFileSync(args.pidfile, `${process.pid}`);
  }
  const heapMax = heap.xmxBytes ?? Math.min(Math.floor(os.totalmem() / 2), 31 * 1024 ** 3);
  logger.info(L.node, `version[${ES_VERSION.number}], pid[${process.pid}], build[${ES_VERSION.build_type}/${ES_VERSION.build_hash}/${ES_VERSION.build_date}], OS[${os.type()}/${os.release()}/${os.arch()}], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/23/23+37-2369] (emulated by Node.js ${process.version})`);
  logger.info(L.node, `JVM arguments [${jvm.options.join(', ')}]`);
  logger.info(L.env, `heap size [${Math.round(heapMax / 1024 / 1024)}mb], compressed ordinary object pointers [true]`);
  logger.info(L.node, `node name [${config.nodeName}], node ID [pending], cluster name [${config.clusterName}], roles [${config.roles.join(', ')}]`);
  if (config.httpSslEnabled) {
    fatal('java.lang.IllegalStateException: emulator: [xpack.security.http.ssl.enabled] is true but the Elasticsearch emulator serves plain HTTP only; set it to false for emulator runs');
  }
  if (config.securityEnabled === undefined) {
    logger.warn(L.security, 'emulator: [xpack.security.enabled] is not set; a real 8.x node defaults to true and may auto-configure TLS and edit elasticsearch.yml on first start (security auto-configuration); this emulator serves plain HTTP without authentication');
  } else if (config.securityEnabled) {
    logger.warn(L.security, 'emulator: security features are accepted but not emulated: plain HTTP, no authentication');
  }

  // 3. Bootstrap checks: warnings on loopback, fatal (exit 78) in production mode (BootstrapChecks).
  const loopback = (h: string): boolean => h === '_local_' || h === '_lo_' || h === 'localhost' || h.startsWith('127.') || h === '::1';
  const production = !loopback(config.transportPublishHost) && !config.singleNode;
  const checks: string[] = [];
  if (heap.bootstrapCheck) checks.push(heap.bootstrapCheck);
  const fileHasDiscovery = ['discovery.seed_hosts', 'discovery.seed_providers', 'cluster.initial_master_nodes'].some((k) => k in config.settings);
  if (!fileHasDiscovery && !config.singleNode) {
    checks.push('the default discovery settings are unsuitable for production use; at least one of [discovery.seed_hosts, discovery.seed_providers, cluster.initial_master_nodes] must be configured');
  }
  if (production && checks.length > 0) {
    const msg = [
      `[${checks.length}] bootstrap checks failed. You must address the points described in the following [${checks.length}] lines before starting Elasticsearch. For more information see [https://www.elastic.co/guide/en/elasticsearch/reference/8.17/bootstrap-checks.html]`,
      ...checks.map((c, i) => `bootstrap check failure [${i + 1}] of [${checks.length}]: ${c}`),
    ].join('\n');
    logger.error(L.bootstrapChecks, msg);
    die(78, `ERROR: ${msg}\nERROR: Elasticsearch did not exit normally - check the logs at ${logFile}`);
  }
  for (const c of checks) logger.warn(L.bootstrapChecks, c);

  const recoveryDelayMs = Number(env.ES_EMULATOR_RECOVERY_DELAY_MS ?? '300');
  // Signals are handled from here on, also while the node is still starting (the JVM's shutdown
  // hook runs whenever SIGTERM arrives; exit 143, or 130 for SIGINT).
  let node: RunningNode | undefined;
  let exitCode: number | undefined;
  const shutdown = (code: number): void => {
    if (exitCode !== undefined) return;
    exitCode = code;
    void (node ? node.stop() : Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        if (args.pidfile) fs.rmSync(args.pidfile, { force: true });
        process.exit(code);
      });
  };
  process.once('SIGTERM', () => shutdown(143));
  process.once('SIGINT', () => shutdown(130));
  try {
    logger.info(L.node, 'initialized');
    logger.info(L.node, 'starting ...');
    const started = await startNode({ config, logger, jvmArgs: jvm.options, heapMaxBytes: heapMax, recoveryDelayMs });
    if (exitCode !== undefined) {
      await started.stop();
      return;
    }
    node = started;
  } catch (err) {
    if (err instanceof StartupError) fatal(`java.lang.IllegalStateException: ${err.message}`);
    fatal(`java.lang.Exception: ${(err as Error).stack ?? String(err)}`);
  }
  if (process.send) process.send('started');
}
