import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Lab, REPO_ROOT } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';
import { CHROMIUM, PageRecorder, openPage } from '../src/lab/browser.js';

/**
 * The console in headless Chromium (issue 14), driven by playwright-core against Debian's
 * `chromium` (scripts/setup.sh installs it; never a downloaded browser). One real ZooKeeper
 * ensemble, not the seed topology: the page, the stream and the rollout it starts are the same
 * for every kind, and four kinds of JVMs would not fit beside a browser on the 2-core test machine.
 */

// Lab slice: 127.0.35.0/24.
const HOSTS = [
  ['uz1', '127.0.35.1'],
  ['uz2', '127.0.35.2'],
  ['uz3', '127.0.35.3'],
] as const;
const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts', 'ui');

const spec = {
  name: 'zk-ui',
  kind: 'zookeeper',
  distribution: { home: process.env.ZK_HOME ?? '/usr/share/zookeeper' },
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
  jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
  members: HOSTS.map(([host], i) => ({ host, id: i + 1, adminPort: 0 })),
};

describe('e2e: the console at /ui/ follows a real ZooKeeper ensemble live', { timeout: 300_000 }, () => {
  let lab: Lab;
  let browser: Browser | undefined;
  let page: Page;
  /** What the main page reported (console errors, uncaught exceptions, failed requests). */
  let recorder: PageRecorder;
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  /** Runs a test's steps under recorder `r` (the main page's by default); a failure saves `<name>-failure.png/.log` and names them (lab/browser.ts). */
  const explained = (name: string, fn: () => Promise<void>, r: PageRecorder = recorder) =>
    r.explain(ARTIFACTS, name, fn);

  beforeAll(async () => {
    // Not skipped when missing: this is the console's acceptance test, and scripts/setup.sh installs it.
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`ui e2e screenshots: ${ARTIFACTS}`);
    lab = await Lab.create('ui');
    await lab.startControlPlane();
    for (const [name, address] of HOSTS) await lab.startAgent(name, address);
    await lab.waitForHosts(HOSTS.map(([n]) => n));
    expect((await lab.api('PUT', '/v1/clusters/zk-ui', spec)).status).toBe(200);
    await lab.waitForHealth('zk-ui', 'healthy');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    recorder = new PageRecorder(page);
  }, 240_000);

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await lab?.destroy();
    }
  });

  it('logs in with a token and shows the fleet and the cluster healthy', async () => {
    await explained('ui-login', async () => {
      await openPage(page, `${lab.server}/ui/`);
      await page.locator('input[name=token]').fill(lab.token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByTestId('live-state').getByText('stream: live').waitFor();
      await page.getByTestId('health-zk-ui').getByText('healthy').waitFor();
      for (const [name] of HOSTS)
        await page.locator(`tr[data-host=${name}]`).getByText('connected', { exact: true }).waitFor();
      expect(await page.locator('section[data-cluster=zk-ui] tr[data-member]').count()).toBe(3);
      await shot('1-healthy');
    });
  });

  it('a rolling restart started from the page advances live and completes', async () => {
    await explained('ui-rolling-restart', async () => {
      await page.getByRole('button', { name: 'Rolling restart' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
      const rollout = page.locator('section[aria-label=rollouts] [data-rollout]').first();
      await rollout.waitFor();
      // Live: a step is seen done while the rollout is still running (the page does not poll).
      await rollout.locator('tr[data-step] .badge.done').first().waitFor({ timeout: 120_000 });
      const midState = await rollout.locator('[data-testid^=rollout-state-]').innerText();
      await shot('2-rollout-advancing');
      await rollout
        .locator('[data-testid^=rollout-state-]')
        .getByText('completed')
        .waitFor({ timeout: 180_000 });
      expect(await rollout.locator('tr[data-step] .badge.done').count()).toBe(3);
      await shot('3-rollout-completed');
      expect(['running', 'completed']).toContain(midState.trim());
      const id = (await rollout.getAttribute('data-rollout'))!;
      const api = await lab.api<{ state: string }>('GET', `/v1/rollouts/${id}`);
      expect(api.body.state).toBe('completed');
    });
  });

  it('a member stopped from outside turns the cluster degraded on the page within seconds', async () => {
    await explained('ui-degraded', async () => {
      await page.getByTestId('health-zk-ui').getByText('healthy').waitFor({ timeout: 60_000 });
      const view = await lab.cluster('zk-ui');
      const victim = view.status.members.find((m) => m.mode === 'follower' && m.pid > 0)!;
      // SIGSTOP: the JVM stays (so the agent does not restart it at once) but stops answering.
      process.kill(victim.pid, 'SIGSTOP');
      try {
        const t0 = Date.now();
        await page.getByTestId('health-zk-ui').getByText('degraded').waitFor({ timeout: 20_000 });
        console.log(`ui e2e: degraded shown ${Date.now() - t0} ms after SIGSTOP of pid ${victim.pid}`);
        await shot('4-degraded');
      } finally {
        process.kill(victim.pid, 'SIGCONT');
      }
      await page.getByTestId('health-zk-ui').getByText('healthy').waitFor({ timeout: 60_000 });
    });
  });

  it('a read-only token sees the cluster but no action buttons', async () => {
    const made = await lab.api<{ token: string }>('POST', '/v1/tokens', {
      kind: 'api',
      name: 'ui-viewer',
      scopes: 'read',
    });
    expect(made.status).toBe(201);
    const viewer = await browser!.newPage();
    const viewerReports = new PageRecorder(viewer);
    try {
      await explained(
        'ui-read-only',
        async () => {
          await openPage(viewer, `${lab.server}/ui/`);
          await viewer.locator('input[name=token]').fill(made.body.token);
          await viewer.getByRole('button', { name: 'Log in' }).click();
          await viewer.getByTestId('health-zk-ui').getByText('healthy').waitFor();
          await viewer.locator('section[data-cluster=zk-ui] tr[data-member]').first().waitFor();
          expect(await viewer.getByRole('button', { name: 'Rolling restart' }).count()).toBe(0);
          expect(await viewer.getByRole('button', { name: 'Restart' }).count()).toBe(0);
        },
        viewerReports,
      );
    } finally {
      await viewer.close();
    }
  });

  it('fleet requests the browser aborts while the page loads (a network change) are asked again: the fleet still fills', async () => {
    // Chromium cancels every request in flight when the host's network changes
    // (net::ERR_NETWORK_CHANGED), as another lab's bridges coming and going did to the seed-topology
    // console test: both of the page's first /v1/hosts requests (the login's and the stream's) are
    // aborted here. Without the console's retry (retry.ts) the fleet table stays empty.
    const fresh = await browser!.newPage();
    let hostRequests = 0;
    await fresh.route('**/v1/hosts', async (route) => {
      if (++hostRequests <= 2) await route.abort('internetdisconnected');
      else await route.continue();
    });
    const freshReports = new PageRecorder(fresh);
    try {
      await explained(
        'ui-aborted-requests',
        async () => {
          await openPage(fresh, `${lab.server}/ui/`);
          await fresh.locator('input[name=token]').fill(lab.token);
          await fresh.getByRole('button', { name: 'Log in' }).click();
          await fresh.getByTestId('live-state').getByText('stream: live').waitFor();
          for (const [name] of HOSTS)
            await fresh.locator(`tr[data-host=${name}]`).getByText('connected', { exact: true }).waitFor();
          expect(hostRequests).toBeGreaterThanOrEqual(3);
        },
        freshReports,
      );
    } finally {
      await fresh.close();
    }
  });
});
