import { describe, expect, it } from 'vitest';
import { ReusedClient } from './reuse.js';

/** A fake client factory that counts connects and closes. */
function factory(opts: { failOpen?: () => boolean } = {}) {
  const opened: string[] = [];
  const closed: number[] = [];
  let n = 0;
  const clients: { n: number; key: string; alive: boolean }[] = [];
  const reused = new ReusedClient({
    open: (key) => {
      opened.push(key);
      if (opts.failOpen?.()) return Promise.reject(new Error('ECONNREFUSED'));
      const c = { n: ++n, key, alive: true };
      clients.push(c);
      return Promise.resolve(c);
    },
    alive: (c) => c.alive,
    close: (c) => void closed.push(c.n),
  });
  return { reused, opened, closed, clients };
}
const ok = (c: { n: number }) => Promise.resolve(c.n);
const settle = () => new Promise((r) => setImmediate(r));

describe('a client kept between probes', () => {
  it('three probes → one connect, the same client each time', async () => {
    const f = factory();
    const used = [await f.reused.use('a', ok), await f.reused.use('a', ok), await f.reused.use('a', ok)];
    expect(used).toEqual([1, 1, 1]);
    expect(f.opened).toEqual(['a']);
  });

  it('a failed use → the client is closed and the next probe connects afresh', async () => {
    const f = factory();
    await f.reused.use('a', ok);
    await expect(f.reused.use('a', () => Promise.reject(new Error('request timed out')))).rejects.toThrow(
      'request timed out',
    );
    await settle();
    expect(f.closed).toEqual([1]);
    expect(await f.reused.use('a', ok)).toBe(2);
  });

  it('the connection lost between probes → reconnects before using it', async () => {
    const f = factory();
    await f.reused.use('a', ok);
    f.clients[0]!.alive = false;
    expect(await f.reused.use('a', ok)).toBe(2);
    await settle();
    expect(f.closed).toEqual([1]);
  });

  it('the inputs point elsewhere (new key) → the old client is closed, a new one opened', async () => {
    const f = factory();
    await f.reused.use('a', ok);
    expect(await f.reused.use('b', ok)).toBe(2);
    await settle();
    expect(f.opened).toEqual(['a', 'b']);
    expect(f.closed).toEqual([1]);
  });

  it('a connect that fails → the error is the probe result, the next probe tries again', async () => {
    let fail = true;
    const f = factory({ failOpen: () => fail });
    await expect(f.reused.use('a', ok)).rejects.toThrow('ECONNREFUSED');
    fail = false;
    expect(await f.reused.use('a', ok)).toBe(1);
    expect(f.opened).toEqual(['a', 'a']);
  });

  it('two probes at once before the first connect → one connect', async () => {
    const f = factory();
    expect(await Promise.all([f.reused.use('a', ok), f.reused.use('a', ok)])).toEqual([1, 1]);
    expect(f.opened).toEqual(['a']);
  });

  it('close → the client is closed; probing again reconnects', async () => {
    const f = factory();
    await f.reused.use('a', ok);
    await f.reused.close();
    expect(f.closed).toEqual([1]);
    expect(await f.reused.use('a', ok)).toBe(2);
  });
});
