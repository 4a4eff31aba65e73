/**
 * Runs `cleanUp` when the process is interrupted (SIGINT, as a terminal's Ctrl-C; SIGTERM), then
 * exits with the shell's code for that signal (130, 143): a benchmark stopped half-way leaves no
 * temp directory or server behind. A cleanup that fails still ends in the exit.
 */
export function cleanUpOnInterrupt(cleanUp: () => unknown): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => {
      void Promise.resolve()
        .then(cleanUp)
        .finally(() => process.exit(code));
    });
}
