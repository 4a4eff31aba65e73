/**
 * A test's background activity (a writer, a sampler): `pass` runs again `pauseMs` after it ends,
 * one at a time, until `stop` (or until `pass` resolves `false`). `stop` waits for the pass in
 * flight, so nothing it records lands after the caller read the results.
 */
export class BackgroundLoop {
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pass: () => Promise<boolean | void>,
    private readonly pauseMs: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        if ((await this.pass()) === false || !this.running) return;
        await new Promise((r) => setTimeout(r, this.pauseMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
