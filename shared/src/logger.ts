/**
 * The logging interface every effectful module takes as a parameter. pino's Logger satisfies it;
 * tests pass `nullLogger` or a recording logger. Messages are constant strings; variable data goes in
 * the object with stable snake_case keys (`cluster`, `host`, `instance`, `generation`).
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
}

export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** A logger that keeps every record, for assertions in tests. */
export function recordingLogger(
  records: { level: string; msg: string; obj: object }[] = [],
  bindings: object = {},
): Logger & { records: typeof records } {
  const at = (level: string) => (obj: object, msg: string) => {
    records.push({ level, msg, obj: { ...bindings, ...obj } });
  };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more: object) => recordingLogger(records, { ...bindings, ...more }),
  };
}
