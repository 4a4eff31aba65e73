import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';

describe('renderTable', () => {
  it('aligns columns with two spaces, uppercases headers, no trailing spaces', () => {
    const out = renderTable(
      ['name', 'kind', 'detail'],
      [
        ['zk-main', 'zookeeper', ''],
        ['k', 'kafka', 'ok'],
      ],
    );
    expect(out).toBe(
      ['NAME     KIND       DETAIL', 'zk-main  zookeeper', 'k        kafka      ok', ''].join('\n'),
    );
  });

  it('widens a column to its longest cell, header included', () => {
    expect(renderTable(['a', 'b'], [['longer-value', 'x']])).toBe('A             B\nlonger-value  x\n');
  });

  it('renders missing cells of short rows as empty', () => {
    expect(renderTable(['a', 'b', 'c'], [['1']])).toBe('A  B  C\n1\n');
  });

  it('header only when there are no rows', () => {
    expect(renderTable(['name', 'kind'], [])).toBe('NAME  KIND\n');
  });

  it('no headers → empty string', () => {
    expect(renderTable([], [['x']])).toBe('');
  });

  it('escapes control characters so a value cannot forge a line or recolour the terminal', () => {
    expect(renderTable(['a', 'b'], [['x\ny', '\u001b[31mred']])).toBe('A     B\nx\\ny  \\x1b[31mred\n');
  });

  it('counts code points, not UTF-16 units, for width', () => {
    expect(renderTable(['a', 'b'], [['😀', 'x']])).toBe('A  B\n😀  x\n');
  });

  it('indents every line', () => {
    expect(renderTable(['a'], [['1']], { indent: '  ' })).toBe('  A\n  1\n');
  });

  it('no colour codes unless asked, even with a tone function', () => {
    const out = renderTable(['health'], [['down']], { tone: () => 'bad' });
    expect(out).not.toContain('\u001b');
  });

  it('colour: bold headers, toned cells, padding outside the escape codes', () => {
    const out = renderTable(['health', 'name'], [['down', 'zk']], {
      color: true,
      tone: (h, v) => (h === 'HEALTH' && v === 'down' ? 'bad' : undefined),
    });
    expect(out).toBe('\u001b[1mHEALTH\u001b[22m  \u001b[1mNAME\u001b[22m\n\u001b[31mdown\u001b[39m    zk\n');
  });
});
