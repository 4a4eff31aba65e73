import fs from 'node:fs';
import os from 'node:os';
import { parseProperties } from './properties.js';
import { KafkaConfigError, parseServerConfig, type ServerConfig } from './config.js';
import { createLogger } from './log.js';
import { StartupError } from './startup-error.js';
import { startZkBroker, type RunningServer } from './zk-broker.js';
import { startKraftServer } from './kraft-server.js';

/**
 * `bin/kafka-server-start.sh server.properties [--override key=value]...` — the emulator's main.
 * Startup failures log Kafka's lines and exit 1; SIGTERM/SIGINT run a controlled shutdown and exit 0.
 * [kafka core/.../Kafka.scala]
 */
const log = createLogger('', 'kafka.Kafka$');
const SHUTDOWN_DEADLINE_MS = 1800;

function loadProps(argv: readonly string[]): Map<string, string> {
  const args = argv.filter((a) => a !== '-daemon');
  const file = args[0];
  if (!file || file.startsWith('--')) {
    process.stdout.write('USAGE: java [options] KafkaServer server.properties [--override property=value]*\n');
    process.exit(1);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new StartupError('java.nio.file.NoSuchFileException', file);
  }
  const props = parseProperties(text);
  for (let i = 1; i < args.length; i++) {
    if (args[i] !== '--override') throw new StartupError('java.lang.IllegalArgumentException', `Unrecognized option: ${args[i]}`);
    const kv = args[++i] ?? '';
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new StartupError('java.lang.IllegalArgumentException', `Invalid override: ${kv}`);
    props.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return props;
}

async function main(): Promise<void> {
  let cfg: ServerConfig;
  try {
    cfg = parseServerConfig(loadProps(process.argv.slice(2)));
  } catch (err) {
    if (err instanceof KafkaConfigError || err instanceof StartupError) {
      log.error('Exiting Kafka due to fatal exception', err.render());
      process.exit(1);
    }
    throw err;
  }
  const fatal = (err: unknown): void => {
    log.error('Exiting Kafka due to fatal exception', err instanceof StartupError ? err.render() : String((err as Error)?.stack ?? err));
    process.exit(1);
  };
  let server: RunningServer;
  try {
    server =
      cfg.mode === 'zk'
        ? await startZkBroker(cfg, { now: Date.now, hostname: os.hostname(), log, fatal })
        : await startKraftServer(cfg, { now: Date.now, hostname: os.hostname(), log, fatal });
  } catch (err) {
    const detail = err instanceof StartupError ? err.render() : String((err as Error)?.stack ?? err);
    if (cfg.mode === 'zk') {
      createLogger(`[KafkaServer id=${cfg.nodeId}] `, 'kafka.server.KafkaServer').error('Fatal error during KafkaServer startup. Prepare to shutdown', detail);
      log.error('Exiting Kafka due to fatal exception during startup.');
    } else {
      log.error('Exiting Kafka due to fatal exception', detail);
    }
    process.exit(1);
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // The real JVM exits 143 after its shutdown hook; the emulator exits 0 (documented in README).
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
    server.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('Error during shutdown', String(err));
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  log.error('Exiting Kafka due to fatal exception', String((err as Error)?.stack ?? err));
  process.exit(1);
});
