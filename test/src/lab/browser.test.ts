import { describe, expect, it } from 'vitest';
import { openPage, type FailedRequest, type NavigablePage } from './browser.js';

/**
 * A page whose `goto` fails with the given errors, in turn, and then succeeds. The error text is
 * Playwright's for an aborted navigation (page.goto: net::ERR_NETWORK_CHANGED at URL).
 * `subresources[i]`, when given, are the error texts of the page's own requests that fail during
 * navigation i (reported as Playwright reports them, before `goto` resolves).
 */
function pageFailing(errors: readonly (string | undefined)[], subresources: readonly string[][] = []) {
  const urls: string[] = [];
  const listeners = new Set<(r: FailedRequest) => void>();
  const page: NavigablePage & { urls: string[]; listeners: typeof listeners } = {
    urls,
    listeners,
    goto(url: string) {
      urls.push(url);
      for (const errorText of subresources[urls.length - 1] ?? [])
        for (const l of listeners) l({ url: () => `${url}app.js`, failure: () => ({ errorText }) });
      const message = errors[urls.length - 1];
      return message === undefined ? Promise.resolve(null) : Promise.reject(new Error(message));
    },
    on: (_event, l) => listeners.add(l),
    off: (_event, l) => listeners.delete(l),
  };
  return page;
}

const CHANGED = 'page.goto: net::ERR_NETWORK_CHANGED at http://127.0.0.1:8080/ui/';
const REFUSED = 'page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:8080/ui/';

describe('openPage: a navigation Chromium aborted because the network changed is made again', () => {
  it('aborted twice → navigates a third time and resolves', async () => {
    const page = pageFailing([CHANGED, CHANGED]);
    await openPage(page, 'http://127.0.0.1:8080/ui/');
    expect(page.urls).toEqual(Array(3).fill('http://127.0.0.1:8080/ui/'));
  });

  it('any other error → thrown at once, not retried', async () => {
    const page = pageFailing([REFUSED]);
    await expect(openPage(page, 'http://127.0.0.1:8080/ui/')).rejects.toThrow('ERR_CONNECTION_REFUSED');
    expect(page.urls).toHaveLength(1);
  });

  it('a network that keeps changing → the fifth abort is thrown', async () => {
    const page = pageFailing(Array(10).fill(CHANGED));
    await expect(openPage(page, 'http://127.0.0.1:8080/ui/')).rejects.toThrow('ERR_NETWORK_CHANGED');
    expect(page.urls).toHaveLength(5);
  });

  it('an abort, then another error → that error, after two navigations', async () => {
    const page = pageFailing([CHANGED, REFUSED]);
    await expect(openPage(page, 'http://127.0.0.1:8080/ui/')).rejects.toThrow('ERR_CONNECTION_REFUSED');
    expect(page.urls).toHaveLength(2);
  });

  it("the page's script aborted after the document loaded → navigates again, and stops listening", async () => {
    const page = pageFailing([], [['net::ERR_NETWORK_CHANGED'], []]);
    await openPage(page, 'http://127.0.0.1:8080/ui/');
    expect(page.urls).toHaveLength(2);
    expect(page.listeners.size).toBe(0);
  });

  it('a script that failed for another reason → not retried (the page shows what it shows)', async () => {
    const page = pageFailing([], [['net::ERR_ABORTED']]);
    await openPage(page, 'http://127.0.0.1:8080/ui/');
    expect(page.urls).toHaveLength(1);
  });

  it('the script aborted on every navigation → the fifth says which request', async () => {
    const page = pageFailing([], Array(10).fill(['net::ERR_NETWORK_CHANGED']));
    await expect(openPage(page, 'http://127.0.0.1:8080/ui/')).rejects.toThrow(
      'http://127.0.0.1:8080/ui/: net::ERR_NETWORK_CHANGED aborted http://127.0.0.1:8080/ui/app.js on each of 5 navigations',
    );
    expect(page.urls).toHaveLength(5);
  });
});
