import { describe, expect, it } from 'vitest';
import { PrefixLines } from './prefix-lines.js';

describe('PrefixLines', () => {
  it('prefixes whole lines, aligned; partial lines wait for their newline per host', () => {
    const p = new PrefixLines(['k1', 'kafka22']);
    expect(p.feed('k1', 'stdout', 'a\nb')).toBe('k1      | a\n');
    expect(p.feed('kafka22', 'stdout', 'x\n')).toBe('kafka22 | x\n');
    expect(p.feed('k1', 'stdout', 'c\n')).toBe('k1      | bc\n');
  });
  it('stdout and stderr of one host are kept apart', () => {
    const p = new PrefixLines(['h']);
    expect(p.feed('h', 'stdout', 'out')).toBe('');
    expect(p.feed('h', 'stderr', 'err\n')).toBe('h | err\n');
    expect(p.flush('h', 'stdout')).toBe('h | out\n');
    expect(p.flush('h', 'stdout')).toBe('');
  });
  it('terminal escapes from a remote command are shown, not obeyed', () => {
    const p = new PrefixLines(['h']);
    expect(p.feed('h', 'stdout', '\u001b[2Jboom\n')).not.toContain('\u001b');
  });
});
