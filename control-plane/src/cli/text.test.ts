import { describe, expect, it } from 'vitest';
import { cell, escapeControl, formatAge, formatBytes } from './text.js';

const NOW = Date.parse('2025-01-01T12:00:00.000Z');

describe('formatAge', () => {
  it.each([
    ['2025-01-01T12:00:00.000Z', '0s ago'],
    ['2025-01-01T11:59:57.000Z', '3s ago'],
    ['2025-01-01T11:59:00.500Z', '59s ago'],
    ['2025-01-01T11:59:00.000Z', '1m ago'],
    ['2025-01-01T11:05:00.000Z', '55m ago'],
    ['2025-01-01T10:00:00.000Z', '2h ago'],
    ['2024-12-29T12:00:00.000Z', '3d ago'],
    ['2025-01-01T12:00:05.000Z', '0s ago'], // control plane clock ahead of ours
    [null, 'never'],
    ['not a time', '?'],
  ])('%s → %s', (iso, want) => {
    expect(formatAge(iso, NOW)).toBe(want);
  });
});

describe('escapeControl', () => {
  it('makes newlines, tabs, ESC and C1 controls visible; leaves other text alone', () => {
    expect(escapeControl('a\nb\tc\u001bd\u009be é')).toBe('a\\nb\\tc\\x1bd\\x9be é');
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512B'],
    [2048, '2.0KiB'],
    [8 * 1024 ** 3, '8.0GiB'],
  ])('%d → %s', (n, want) => {
    expect(formatBytes(n)).toBe(want);
  });
});

describe('cell', () => {
  it.each([
    [undefined, '-'],
    [null, '-'],
    ['', '-'],
    [0, '0'],
    [false, 'false'],
    [{ a: 1 }, '{"a":1}'],
  ])('%j → %s', (v, want) => {
    expect(cell(v)).toBe(want);
  });
});
