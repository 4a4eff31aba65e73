#!/usr/bin/env node
/** The real `hactl` process: builds CliIo from process and runs the CLI. Nothing else reads process.*. */
import { nodeHttpClient, nodeHttpStreamClient } from './http.js';
import { readCapped, readFileCapped } from './read-capped.js';
import { runCli } from './run.js';
import { timerSleep } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), {
  http: nodeHttpClient,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  readFile: readFileCapped,
  readStdin: (maxBytes) => readCapped(process.stdin, maxBytes),
  isTty: process.stdout.isTTY === true,
  now: () => Date.now(),
  sleep: timerSleep,
  httpStream: nodeHttpStreamClient,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});

// Done: leave now rather than when the last handle closes (an idle keep-alive socket of fetch kept
// the process ~0.2 s after every command). Output is flushed first.
await Promise.all(
  [process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))),
);
process.exit();
