import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PageRecorder,
  openPage,
  type FailedRequest,
  type NavigablePage,
  type RecordablePage,
} from './browser.js';

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

/** A page that reports what `emit` is given, and whose screenshot writes a stand-in file. */
function recordablePage(screenshotFails = false) {
  const on = new Map<string, (x: never) => void>();
  const page = {
    on: (event: string, l: (x: never) => void) => on.set(event, l),
    screenshot: async ({ path: p }: { path: string }) => {
      if (screenshotFails) throw new Error('Target page, context or browser has been closed');
      fs.writeFileSync(p, 'png');
    },
  } as unknown as RecordablePage;
  const emit = (event: string, x: unknown) => on.get(event)!(x as never);
  return { page, emit };
}

describe('PageRecorder: a failed console test leaves a screenshot and what the page reported', () => {
  it('the step fails → screenshot and log saved, their paths added to the error; console info is left out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-page-recorder-'));
    try {
      const { page, emit } = recordablePage();
      const rec = new PageRecorder(page);
      emit('console', { type: () => 'info', text: () => 'hello' });
      emit('console', { type: () => 'error', text: () => 'Failed to load module script' });
      emit('pageerror', new Error('x is not a function'));
      emit('requestfailed', {
        url: () => 'https://cp/ui/app.js',
        failure: () => ({ errorText: 'net::ERR_NETWORK_CHANGED' }),
      });
      const err = await rec
        .explain(dir, 'seed', () => Promise.reject(new Error('locator.fill: Timeout 30000ms exceeded.')))
        .catch((e: Error) => e);
      expect((err as Error).message).toBe(
        `locator.fill: Timeout 30000ms exceeded.\npage: ${dir}/seed-failure.png; what it reported: ${dir}/seed-failure.log (3 line(s))`,
      );
      expect(fs.readFileSync(path.join(dir, 'seed-failure.log'), 'utf8')).toBe(
        'console error: Failed to load module script\nuncaught: x is not a function\n' +
          'request failed: https://cp/ui/app.js: net::ERR_NETWORK_CHANGED\n',
      );
      expect(fs.existsSync(path.join(dir, 'seed-failure.png'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the step passes → its value, nothing written', async () => {
    const dir = path.join(os.tmpdir(), `hactl-page-recorder-unused-${process.pid}`);
    const rec = new PageRecorder(recordablePage().page);
    await expect(rec.explain(dir, 'seed', () => Promise.resolve(42))).resolves.toBe(42);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('the page is gone too → the log is still written and the error says why there is no screenshot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-page-recorder-'));
    try {
      const rec = new PageRecorder(recordablePage(true).page);
      const err = await rec
        .explain(dir, 'seed', () => Promise.reject(new Error('boom')))
        .catch((e: Error) => e);
      expect((err as Error).message).toContain(
        'page: no screenshot (Error: Target page, context or browser has been closed)',
      );
      expect(fs.readFileSync(path.join(dir, 'seed-failure.log'), 'utf8')).toBe(
        '(the page reported nothing)\n',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
