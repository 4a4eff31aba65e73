import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { askInOrder, UnreachableError } from './in-order.js';
import { fetchCaByFingerprint } from './first-contact.js';

describe('first contact with several control plane addresses (issue 15)', () => {
  it('an address that does not answer → the next one is asked; the first answer wins', async () => {
    const asked: string[] = [];
    const answer = await askInOrder(['a:1', 'b:1', 'c:1'], (s) => {
      asked.push(s);
      return s === 'a:1'
        ? Promise.reject(new UnreachableError(s, 'ECONNREFUSED'))
        : Promise.resolve(`cert from ${s}`);
    });
    expect({ asked, answer }).toEqual({ asked: ['a:1', 'b:1'], answer: 'cert from b:1' });
  });

  it('a refusal (a wrong token) is final: the next address is not asked', async () => {
    const asked: string[] = [];
    await expect(
      askInOrder(['a:1', 'b:1'], (s) => {
        asked.push(s);
        return Promise.reject(new Error('enrollment refused by a:1: unknown enrollment token'));
      }),
    ).rejects.toThrow(/unknown enrollment token/);
    expect(asked).toEqual(['a:1']);
  });

  it('no address answers → one error naming each and why', async () => {
    await expect(
      askInOrder(['a:1', 'b:1'], (s) => Promise.reject(new UnreachableError(s, `${s} refused`))),
    ).rejects.toThrow('no control plane address answered (a:1: a:1 refused; b:1: b:1 refused)');
  });

  it('fetching the CA from a closed port → UnreachableError, so the next address is tried', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await expect(fetchCaByFingerprint(`127.0.0.1:${port}`, 'ab'.repeat(32))).rejects.toBeInstanceOf(
      UnreachableError,
    );
  });
});
