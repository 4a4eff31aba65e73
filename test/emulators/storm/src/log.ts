/**
 * Storm's daemon log layout (log4j2/cluster.xml):
 * `%d{yyyy-MM-dd HH:mm:ss.SSS} %c{1.} %t [%p] %msg%n`, e.g.
 * `2019-09-25 13:53:46.560 o.a.s.d.n.Nimbus main [INFO] Starting nimbus server for storm version '2.8.8'`.
 * The emulator writes these lines to stdout; the agent captures them as it would the real logs.
 */
export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function formatTimestamp(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** log4j `%c{1.}`: every package segment shortened to its first letter. */
export function abbreviateLogger(name: string): string {
  const parts = name.split('.');
  return parts.map((p, i) => (i < parts.length - 1 ? p.slice(0, 1) : p)).join('.');
}

export function formatLogLine(d: Date, logger: string, thread: string, level: Level, msg: string): string {
  return `${formatTimestamp(d)} ${abbreviateLogger(logger)} ${thread} [${level}] ${msg}`;
}

/**
 * Client commands (`storm list`, `storm jar`) log with storm's default log4j2.xml instead:
 * `%-4r [%t] %-5p %c{1.} - %msg%n`, e.g. `1232 [main] INFO  o.a.s.u.NimbusClient - Found leader nimbus : h:6627`.
 */
export function formatClientLogLine(
  uptimeMs: number,
  logger: string,
  thread: string,
  level: Level,
  msg: string,
): string {
  return `${String(Math.trunc(uptimeMs)).padEnd(4)} [${thread}] ${level.padEnd(5)} ${abbreviateLogger(logger)} - ${msg}`;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const stdout = (l: string): void => {
  process.stdout.write(`${l}\n`);
};

export function createLogger(
  logger: string,
  thread = 'main',
  write: (line: string) => void = stdout,
): Logger {
  const at = (level: Level) => (msg: string) => write(formatLogLine(new Date(), logger, thread, level, msg));
  return { info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

export function createClientLogger(
  logger: string,
  thread = 'main',
  write: (line: string) => void = stdout,
): Logger {
  const at = (level: Level) => (msg: string) =>
    write(formatClientLogLine(process.uptime() * 1000, logger, thread, level, msg));
  return { info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}
