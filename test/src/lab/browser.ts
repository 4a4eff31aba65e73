import type { Page } from 'playwright-core';

/** Debian's chromium (apt package `chromium`), the only browser the e2e tests drive. */
export const CHROMIUM = '/usr/bin/chromium';

/** How many times `openPage` navigates before it gives up on a network that keeps changing. */
const NAVIGATION_ATTEMPTS = 5;

/**
 * `page.goto(url)`, again when Chromium aborts the navigation with `net::ERR_NETWORK_CHANGED`.
 * Chromium watches the host's interfaces over netlink and cancels requests in flight whenever one
 * appears or goes (net/base/network_change_notifier.h). An e2e worker beside this one adds and
 * removes namespaces, veth pairs and bridges for its own lab (lab/netns.ts), and one such change
 * during `goto` failed the seed-topology console test once. Only that error is retried; any other
 * is thrown at once.
 * @throws the last navigation error after NAVIGATION_ATTEMPTS changed networks, or any other.
 */
export async function openPage(page: Pick<Page, 'goto'>, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (err) {
      const changed = err instanceof Error && err.message.includes('net::ERR_NETWORK_CHANGED');
      if (!changed || attempt >= NAVIGATION_ATTEMPTS) throw err;
    }
  }
}
