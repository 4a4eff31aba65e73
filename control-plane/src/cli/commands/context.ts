import type { ApiClient } from '../client.js';
import type { CliIo } from '../io.js';
import type { OutputFormat } from '../output.js';

/** What every command action gets: the IO, a client for the resolved server, and display settings. */
export interface CommandContext {
  io: CliIo;
  client: ApiClient;
  /** Colour on: stdout is a TTY and NO_COLOR is unset. */
  color: boolean;
}

export interface OutputFlags {
  output: OutputFormat;
}
