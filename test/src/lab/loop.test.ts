import { describe, expect, it } from 'vitest';
import { BackgroundLoop } from './loop.js';

describe('BackgroundLoop', () => {
  it('stop waits for the pass in flight: nothing is recorded after it resolves', async () => {
    const done: number[] = [];
    let started = 0;
    let release: () => void = () => {};
    const loop = new BackgroundLoop(async () => {
      const n = ++started;
      if (n === 2) await new Promise<void>((r) => (release = r));
      done.push(n);
    }, 1);
    loop.start();
    while (started < 2) await new Promise((r) => setTimeout(r, 1));
    const stopped = loop.stop();
    release();
    await stopped;
    expect(done).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([1, 2]);
  });

  it('stopped at once, one pass runs; a pass that resolves false ends the loop; start after stop runs it again', async () => {
    let passes = 0;
    const loop = new BackgroundLoop(() => Promise.resolve(++passes < 3), 0);
    loop.start();
    await loop.stop().then(() => new Promise((r) => setTimeout(r, 20)));
    // The first pass starts with start(); stopped at once, the loop runs no second one.
    expect(passes).toBe(1);
    passes = 0;
    loop.start();
    while (passes < 3) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(passes).toBe(3);
    await loop.stop();
  });
});
