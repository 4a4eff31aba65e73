import { describe, expect, it } from 'vitest';
import { openPage } from './browser.js';

/**
 * A page whose `goto` fails with the given errors, in turn, and then succeeds. The error text is
 * Playwright's for an aborted navigation (page.goto: net::ERR_NETWORK_CHANGED at URL).
 */
function pageFailing(errors: readonly string[]) {
  const urls: string[] = [];
  return {
    urls,
    goto(url: string) {
      urls.push(url);
      const message = errors[urls.length - 1];
      return message === undefined ? Promise.resolve(null) : Promise.reject(new Error(message));
    },
  };
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
});
