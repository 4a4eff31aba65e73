/**
 * Everything the CLI needs from the outside world. `runCli` takes it as a parameter so tests drive the
 * whole CLI in-process with a fake `fetch`; only `main.ts` builds the real one from `process`.
 */
export interface CliIo {
  fetch: typeof fetch;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
  /** Whether stdout is a terminal; colour is used only then (and never when NO_COLOR is set). */
  isTty: boolean;
  /** Current time in ms since the epoch; ages ("3s ago") are computed against it. */
  now: () => number;
}
