import { describe, expect, it } from 'vitest';
import { bracketHost, hostPort, ipAddressSchema } from './address.js';

describe('addresses in host:port text', () => {
  it.each<[string, number, string]>([
    ['127.0.22.1', 2181, '127.0.22.1:2181'],
    ['fd00:22::1', 9092, '[fd00:22::1]:9092'],
    ['::1', 9300, '[::1]:9300'],
  ])('%s port %d → %s', (address, port, text) => {
    expect(hostPort(address, port)).toBe(text);
    expect(bracketHost(address)).toBe(text.slice(0, text.lastIndexOf(':')));
  });

  it.each<[string, boolean]>([
    ['127.0.22.1', true],
    ['fd00:22::1', true],
    ['::1', true],
    ['[::1]', false],
    [':::', false],
    ['fe80::1%eth0', false],
    ['999.1.1.1', false],
    ['zk1', false],
  ])('render inputs take %s: %s', (address, ok) => {
    expect(ipAddressSchema.safeParse(address).success).toBe(ok);
  });
});
