/**
 * Kafka's default log4j console layout: `[%d] %p %m (%c)%n`, e.g.
 * `[2024-01-01 12:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)`.
 * Written to stdout like the stock log4j.properties console appender.
 */
export type Level = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, detail?: string): void;
  child(prefix: string, category: string): Logger;
}

export function formatLogTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export function formatLogLine(time: Date, level: Level, prefix: string, msg: string, category: string): string {
  return `[${formatLogTime(time)}] ${level} ${prefix}${msg} (${category})`;
}

export function createLogger(
  prefix: string,
  category: string,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  now: () => Date = () => new Date(),
): Logger {
  const log = (level: Level, msg: string, detail?: string): void => {
    write(formatLogLine(now(), level, prefix, msg, category));
    if (detail) write(detail);
  };
  return {
    info: (m) => log('INFO', m),
    warn: (m) => log('WARN', m),
    error: (m, d) => log('ERROR', m, d),
    child: (p, c) => createLogger(p, c, write, now),
  };
}
