import { escapeControl } from './text.js';

/** How a cell's value reads at a glance; mapped to a colour only when colour is on. */
export type Tone = 'good' | 'warn' | 'bad';

export interface TableOptions {
  /** Use ANSI colour (bold headers, toned cells). Callers turn it on only for a TTY. */
  color?: boolean;
  /** Decides a cell's tone from its column header and value. */
  tone?: (header: string, value: string) => Tone | undefined;
  /** Prefix for every line (e.g. two spaces for a table nested under a heading). */
  indent?: string;
}

const ANSI: Record<Tone | 'header', [string, string]> = {
  header: ['\u001b[1m', '\u001b[22m'],
  good: ['\u001b[32m', '\u001b[39m'],
  warn: ['\u001b[33m', '\u001b[39m'],
  bad: ['\u001b[31m', '\u001b[39m'],
};

/** Display width, counting code points rather than UTF-16 units. */
function width(s: string): number {
  return [...s].length;
}

/**
 * Renders rows as kubectl-style aligned columns: uppercase headers, two spaces between columns, no
 * borders, no trailing spaces. Cell values have control characters escaped. Returns the text with a
 * trailing newline (empty string for no headers). Missing cells in short rows render empty.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: TableOptions = {},
): string {
  if (headers.length === 0) return '';
  const head = headers.map((h) => escapeControl(h.toUpperCase()));
  const body = rows.map((r) => headers.map((_, i) => escapeControl(r[i] ?? '')));
  const widths = head.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i] ?? ''))));
  const indent = opts.indent ?? '';

  const line = (
    cells: readonly string[],
    styleOf: (i: number, v: string) => [string, string] | undefined,
  ): string => {
    const parts = cells.map((v, i) => {
      const last = i === cells.length - 1;
      const pad = last ? '' : ' '.repeat((widths[i] ?? 0) - width(v));
      const style = opts.color ? styleOf(i, v) : undefined;
      // Padding goes outside the escape codes so alignment does not depend on them.
      return (style ? `${style[0]}${v}${style[1]}` : v) + pad;
    });
    return (indent + parts.join('  ')).trimEnd();
  };

  const out = [line(head, () => ANSI.header)];
  for (const r of body) {
    out.push(
      line(r, (i, v) => {
        const t = opts.tone?.(head[i] ?? '', v);
        return t ? ANSI[t] : undefined;
      }),
    );
  }
  return out.join('\n') + '\n';
}
