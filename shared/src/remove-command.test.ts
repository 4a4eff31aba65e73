import { describe, expect, it } from 'vitest';
import { encodeRemoveArgs, parseRemoveArgs } from './remove-command.js';

describe('remove command arguments', () => {
  it('round-trips force and peers, IPv6 bracketed', () => {
    const a = {
      force: true,
      peers: [
        { address: '127.0.0.21', port: 9092 },
        { address: 'fd00::22', port: 9200 },
      ],
    };
    const args = encodeRemoveArgs(a);
    expect(args).toEqual(['force', 'peer=127.0.0.21:9092', 'peer=[fd00::22]:9200']);
    expect(parseRemoveArgs(args)).toEqual(a);
  });

  it('round-trips an operator stop (stop-only): the member stays, its removal procedures do not run', () => {
    const a = { force: false, stopOnly: true, peers: [{ address: '127.0.0.21', port: 2181 }] };
    expect(encodeRemoveArgs(a)).toEqual(['stop-only', 'peer=127.0.0.21:2181']);
    expect(parseRemoveArgs(encodeRemoveArgs(a))).toEqual(a);
  });

  it('reads no arguments as not forced, no peers', () => {
    expect(parseRemoveArgs([])).toEqual({ force: false, peers: [] });
  });

  it('refuses an unknown argument and a peer that is not HOST:PORT, naming it', () => {
    expect(() => parseRemoveArgs(['if-pending'])).toThrow(/"if-pending" is not force, stop-only or peer/);
    expect(() => parseRemoveArgs(['peer=127.0.0.1'])).toThrow(/"peer=127.0.0.1".*not HOST:PORT/);
  });
});
