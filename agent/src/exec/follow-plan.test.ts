import { describe, expect, it } from 'vitest';
import { filterSince, lineTime, planFollow, tailStart } from './follow-plan.js';

describe('planFollow', () => {
  const open = { ino: 7, pos: 100, size: 100 };
  it.each([
    ['nothing open, no file yet → wait', undefined, undefined, { do: 'wait' }],
    [
      'nothing open, file there → open it',
      undefined,
      { ino: 7, size: 5 },
      { do: 'reopen', reason: 'appeared' },
    ],
    ['more written → read', { ...open, size: 150 }, { ino: 7, size: 150 }, { do: 'read' }],
    ['at the end, same file → wait', open, { ino: 7, size: 100 }, { do: 'wait' }],
    [
      'log4j renamed it and made a new one → reopen',
      open,
      { ino: 8, size: 3 },
      { do: 'reopen', reason: 'rotated' },
    ],
    [
      'renamed with unread bytes left → read the old file to its end first',
      { ...open, size: 120 },
      { ino: 8, size: 3 },
      { do: 'read' },
    ],
    ['renamed, new one not there yet → wait', open, undefined, { do: 'wait' }],
    [
      'copytruncate: same inode, smaller → rewind',
      { ...open, size: 10 },
      { ino: 7, size: 10 },
      { do: 'rewind', reason: 'truncated' },
    ],
  ] as const)('%s', (_name, o, p, want) => {
    expect(planFollow(o, p)).toEqual(want);
  });
});

describe('tailStart', () => {
  it.each([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 2, 'b\nc'],
    ['a\nb\n', 5, 'a\nb\n'],
    ['a\nb\n', 0, ''],
  ])('%j last %i lines', (text, n, want) => {
    expect(text.slice(tailStart(text, n))).toBe(want);
  });
});

describe('since', () => {
  it('reads log4j and ISO timestamps as UTC', () => {
    expect(lineTime('[2026-12-01 02:50:22,123] INFO x')).toBe(Date.UTC(2026, 11, 1, 2, 50, 22, 123));
    expect(lineTime('2026-12-01T02:50:22.5Z x')).toBe(Date.UTC(2026, 11, 1, 2, 50, 22, 500));
    expect(lineTime('\tat java.lang.Thread.run')).toBeUndefined();
  });
  it('keeps newer lines and the continuation lines after them', () => {
    const text =
      '[2026-12-01 01:00:00,000] old\n\tat old.trace\n[2026-12-01 03:00:00,000] new\n\tat new.trace\n';
    expect(filterSince(text, Date.UTC(2026, 11, 1, 2))).toBe(
      '[2026-12-01 03:00:00,000] new\n\tat new.trace\n',
    );
    expect(filterSince(text, 0)).toBe(text);
  });
});
