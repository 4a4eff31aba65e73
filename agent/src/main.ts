import { pino } from 'pino';
import { HactlError, formatDetails } from '@hactl/shared';
import { loadConfig, USAGE } from './config.js';
import { collectFacts } from './facts.js';
import { Agent } from './agent.js';
import { serviceUserCache } from './supervisor/users.js';

/** Variables passed through to services; everything else of the agent's environment stays out. */
const PASS_ENV = ['PATH', 'LANG', 'LC_ALL', 'HOME', 'JAVA_HOME', 'TZ'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig({ argv, env: process.env });
  } catch (err) {
    if (err instanceof HactlError)
      process.stderr.write(`hactl-agent: ${err.message}\n${formatDetails(err.details)}\n\n${USAGE}\n`);
    else
      process.stderr.write(`hactl-agent: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'hactl-agent', host: config.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  if (config.insecure) logger.warn({}, 'running with --insecure: the control plane is not authenticated');
  const baseEnv: Record<string, string> = {};
  for (const k of PASS_ENV) if (process.env[k] !== undefined) baseEnv[k] = process.env[k]!;
  baseEnv.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  // Only root can switch users; an unprivileged agent runs services as itself (a developer's laptop).
  const serviceUser =
    config.serviceUsers === 'auto' && process.getuid?.() === 0 ? serviceUserCache() : undefined;
  const agent = new Agent({
    config,
    logger,
    facts: await collectFacts(),
    baseEnv,
    serviceUser,
    now: Date.now,
  });
  await agent.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping; services keep running');
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'agent stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `hactl-agent: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
