import { pino } from 'pino';
import { HactlError, formatDetails } from '@hactl/shared';
import { loadConfig, USAGE } from './config.js';
import { collectFacts } from './facts.js';
import { Agent } from './agent.js';
import { serviceUserCache } from './supervisor/users.js';
import { AgentIdentity } from './enroll/identity.js';

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
  // With TLS the agent enrolls (or loads its certificate) before anything else: a refused token is
  // reported and the agent exits, as there is nothing it may do without an identity.
  let identity: AgentIdentity | undefined;
  if (!config.insecure) {
    try {
      identity = await AgentIdentity.load({
        stateDir: config.stateDir,
        servers: config.servers,
        name: config.name,
        first: { token: config.token, caSha256: config.caSha256, caFile: config.caFile },
        logger,
        now: Date.now,
      });
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'cannot establish the agent identity',
      );
      process.stderr.write(`hactl-agent: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    identity.startRenewal(Date.now);
  }
  const agent = new Agent({
    ...(identity ? { credentials: () => identity.credentials() } : {}),
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
    identity?.stop();
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
