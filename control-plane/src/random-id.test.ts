import { describe, expect, it } from 'vitest';
import { randomId } from './random-id.js';

describe('randomId', () => {
  it('is 22 base64url characters', () => {
    expect(randomId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('draws again instead of starting with "-" (a command line would read it as an option)', () => {
    // 0xf8 encodes to '-' as the first base64url character.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = randomId(() => draws.shift()!);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
  });
});
