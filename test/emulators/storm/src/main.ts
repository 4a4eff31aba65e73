import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  loadConfig,
  localHostname,
  parseArgs,
  resolveConfPath,
  type StormConf,
} from './config.js';
import { createClientLogger, createLogger } from './log.js';
import { renderTopologyList } from './list.js';
import { getConfiguredClient, javaStackTrace } from './nimbus-client.js';
import { runNimbus, type RunningDaemon } from './nimbus.js';
import { runSupervisor } from './supervisor.js';
import { runUi } from './ui.js';

/**
 * `bin/storm <command>` for the emulator: nimbus | supervisor | ui | list.
 * The only place that reads process.env / argv and builds real clients.
 */

const USAGE = 'Usage: storm <nimbus|supervisor|ui|list> [--config FILE] [-c key=value]\n';

const nowSecs = (): number => Math.floor(Date.now() / 1000);
const logFor = (thread: string) => (logger: string) => createLogger(logger, thread);

function exit(code: number): never {
  process.exit(code);
}

function readConf(argv: string[]): { conf: StormConf; command: string | undefined } {
  const args = parseArgs(argv);
  // bin/storm: STORM_BASE_DIR is the directory above bin/, whatever STORM_HOME says.
  const home =
    process.env.STORM_BASE_DIR ??
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../emulators/storm');
  const confPath = resolveConfPath(args, process.env, home);
  let fileText: string | undefined;
  if (fs.existsSync(confPath)) fileText = fs.readFileSync(confPath, 'utf8');
  else if (args.configFile) {
    process.stderr.write(
      `Exception in thread "main" java.lang.RuntimeException: Could not find config file ${confPath}\n`,
    );
    exit(1);
  }
  return { conf: loadConfig({ fileText, overrides: args.overrides, home }), command: args.command };
}

async function hostIp(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await dns.lookup(host, { family: 4 })).address;
  } catch {
    return '127.0.0.1';
  }
}

function handleSignals(daemon: RunningDaemon): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Utils.addShutdownHookWithDelayedForceKill: clean shutdown, forced after a delay.
    const force = setTimeout(() => exit(0), 5000);
    force.unref();
    daemon.stop().then(
      () => exit(0),
      () => exit(0),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  let conf: StormConf;
  let command: string | undefined;
  try {
    ({ conf, command } = readConf(process.argv.slice(2)));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Exception in thread "main" java.lang.IllegalArgumentException: ${err.message}\n`);
      exit(1);
    }
    throw err;
  }

  switch (command) {
    case 'nimbus': {
      const hostFromConf = typeof conf['storm.local.hostname'] === 'string';
      const daemon = await runNimbus({
        conf,
        host: localHostname(conf, os.hostname()),
        hostFromConf,
        log: logFor('main'),
        nowSecs,
        exit,
      });
      if (daemon) handleSignals(daemon);
      return;
    }
    case 'supervisor': {
      const host = localHostname(conf, os.hostname());
      // Supervisor.generateSupervisorId: `<uuid>-<InetAddress.getLocalHost().getHostAddress()>`, the
      // machine's address, not storm.local.hostname (real 2.8.3 here: `<uuid>-127.0.0.1`).
      const daemon = await runSupervisor({
        conf,
        host,
        ip: await hostIp(os.hostname()),
        log: logFor('main'),
        nowSecs,
        exit,
      });
      if (daemon) handleSignals(daemon);
      return;
    }
    case 'ui': {
      handleSignals(await runUi({ conf, log: logFor('qtp-ui') }));
      return;
    }
    case 'list': {
      try {
        const client = await getConfiguredClient(
          conf,
          createClientLogger('org.apache.storm.utils.NimbusClient'),
        );
        process.stdout.write(renderTopologyList(await client.getTopologySummaries()));
        exit(0);
      } catch (err) {
        process.stderr.write(`Exception in thread "main" ${javaStackTrace(err as Error)}`);
        exit(1);
      }
      return;
    }
    default:
      process.stderr.write(USAGE);
      exit(command === undefined || command === 'help' ? 0 : 1);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  exit(1);
});
