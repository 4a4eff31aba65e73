import { pino } from 'pino';
import { HactlError, formatDetails } from '@hactl/shared';
import { loadConfig, USAGE } from './config.js';
import { startControlPlane } from './server.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let cfg;
  try {
    cfg = loadConfig({ argv, env: process.env });
  } catch (err) {
    if (err instanceof HactlError)
      process.stderr.write(
        `hactl-control-plane: ${err.message}\n${formatDetails(err.details)}\n\n${USAGE}\n`,
      );
    else
      process.stderr.write(
        `hactl-control-plane: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`,
      );
    process.exit(2);
  }
  const logger = pino({
    level: cfg.logLevel,
    base: { service: 'hactl-control-plane' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  if (cfg.insecure) logger.warn({}, 'running with --insecure: agent gRPC is plain text and unauthenticated');
  const cp = await startControlPlane(cfg, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    cp.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `hactl-control-plane: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
