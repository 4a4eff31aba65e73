import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each<[string, number | RegExp]>([
    ['30', 30_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['0s', /longer than 0/],
    ['31d', /at most 30d/],
    ['ten minutes', /must be a duration/],
    ['-5s', /must be a duration/],
  ])('%s', (text, want) => {
    const got = parseDuration(text);
    if (typeof want === 'number') expect(got).toBe(want);
    else expect(got).toMatch(want);
  });
});
