import type { HttpClient } from './http.js';

/**
 * Everything the CLI needs from the outside world. `runCli` takes it as a parameter so tests drive the
 * whole CLI in-process with a fake HTTP client (or the real control plane's app); only `main.ts`
 * builds the real one from `process`.
 */
export interface CliIo {
  http: HttpClient;
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
