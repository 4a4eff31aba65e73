import type { HttpClient, HttpStreamClient } from './http.js';

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
  /**
   * Reads a text file of at most `maxBytes`; throws InputTooLargeError (read-capped.ts) for a larger
   * one without reading it whole, or the fs error.
   */
  readFile: (path: string, maxBytes: number) => Promise<string>;
  /** Reads stdin up to `maxBytes`; throws InputTooLargeError past it. */
  readStdin: (maxBytes: number) => Promise<string>;
  /** Whether stdout is a terminal; colour is used only then (and never when NO_COLOR is set). */
  isTty: boolean;
  /** Current time in ms since the epoch; ages ("3s ago") are computed against it. */
  now: () => number;
  /**
   * Waits `ms`: a GET's retry (client.ts) and the `-w` polls of rollouts and failovers. `timerSleep`
   * for a real CLI; the fake one in tests returns at once.
   */
  sleep: (ms: number) => Promise<void>;
  /** Streamed GETs (`hactl exec`, `hactl logs -f`); absent: those commands say they cannot stream. */
  httpStream?: HttpStreamClient;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) until the returned function is called; absent: Ctrl-C
   * kills the process as usual.
   */
  onInterrupt?: (handler: () => void) => () => void;
}

/** A real wait of `ms` on a timer (CliIo.sleep of a CLI that talks to a real control plane). */
export function timerSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
