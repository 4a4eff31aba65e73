import fs from 'node:fs';
import path from 'node:path';

/** Debian's chromium (apt package `chromium`), the only browser the e2e tests drive. */
export const CHROMIUM = '/usr/bin/chromium';

/** How many times `openPage` navigates before it gives up on a network that keeps changing. */
const NAVIGATION_ATTEMPTS = 5;
/** Chromium's error text for a request it cancelled because an interface appeared or went. */
const NETWORK_CHANGED = 'net::ERR_NETWORK_CHANGED';

/** What `openPage` sees of a request that failed (Playwright's Request). */
export interface FailedRequest {
  url(): string;
  failure(): { errorText: string } | null;
}

/** The part of a Playwright page `openPage` uses. */
export interface NavigablePage {
  goto(url: string): Promise<unknown>;
  on(event: 'requestfailed', listener: (request: FailedRequest) => void): unknown;
  off(event: 'requestfailed', listener: (request: FailedRequest) => void): unknown;
}

/**
 * `page.goto(url)`, again when Chromium aborted the navigation or one of the page's own requests
 * (its script, its stylesheet) with `net::ERR_NETWORK_CHANGED`. Chromium watches the host's
 * interfaces over netlink and cancels requests in flight whenever one appears or goes
 * (net/base/network_change_notifier.h). An e2e worker beside this one adds and removes namespaces,
 * veth pairs and bridges for its own lab (lab/netns.ts):
 * - one such change during `goto` failed the seed-topology console test once;
 * - once it aborted the console's script after the document had loaded: `goto` returned, the
 *   script never ran, and the login form never appeared (the same test, 30 s later).
 * Only that error is retried; any other is thrown at once.
 * @throws the last navigation error after NAVIGATION_ATTEMPTS changed networks, or any other.
 */
export async function openPage(page: NavigablePage, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const aborted: string[] = [];
    const onFailed = (r: FailedRequest) => {
      if (r.failure()?.errorText.includes(NETWORK_CHANGED)) aborted.push(r.url());
    };
    page.on('requestfailed', onFailed);
    try {
      await page.goto(url);
      if (!aborted.length) return;
      if (attempt >= NAVIGATION_ATTEMPTS)
        throw new Error(
          `${url}: ${NETWORK_CHANGED} aborted ${aborted.join(', ')} on each of ${attempt} navigations`,
        );
    } catch (err) {
      const changed = err instanceof Error && err.message.includes(NETWORK_CHANGED);
      if (!changed || attempt >= NAVIGATION_ATTEMPTS) throw err;
    } finally {
      page.off('requestfailed', onFailed);
    }
  }
}

/** What `PageRecorder` needs of a Playwright page. */
export interface RecordablePage {
  on(event: 'console', listener: (msg: { type(): string; text(): string }) => void): unknown;
  on(event: 'pageerror', listener: (err: Error) => void): unknown;
  on(event: 'requestfailed', listener: (request: FailedRequest) => void): unknown;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}

/**
 * Records what a console page says went wrong while a test drives it (console errors and
 * warnings, uncaught exceptions, failed requests) and, when the test fails, saves it with a
 * screenshot beside the test's other artifacts. A console test that timed out waiting for an
 * element said only which element: whether the script never ran, threw or lost a request could
 * not be told afterwards.
 */
export class PageRecorder {
  readonly lines: string[] = [];

  constructor(private readonly page: RecordablePage) {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') this.lines.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.lines.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) =>
      this.lines.push(`request failed: ${r.url()}: ${r.failure()?.errorText ?? ''}`),
    );
  }

  /**
   * Runs `fn`; if it throws, writes `<dir>/<name>-failure.png` and `<dir>/<name>-failure.log` (the
   * recorded lines) and throws the error again with their paths appended to its message.
   */
  async explain<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      fs.mkdirSync(dir, { recursive: true });
      const shot = path.join(dir, `${name}-failure.png`);
      const log = path.join(dir, `${name}-failure.log`);
      const saved = await this.page.screenshot({ path: shot, fullPage: true }).then(
        () => shot,
        (e: unknown) => `no screenshot (${String(e)})`,
      );
      fs.writeFileSync(
        log,
        this.lines.length ? `${this.lines.join('\n')}\n` : '(the page reported nothing)\n',
      );
      if (err instanceof Error)
        err.message += `\npage: ${saved}; what it reported: ${log} (${this.lines.length} line(s))`;
      throw err;
    }
  }
}
