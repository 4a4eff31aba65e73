import { EsError } from './errors.js';

/** One `_cat` column: name, aliases, whether shown by default, right-aligned in text. */
export interface CatColumn {
  name: string;
  aliases?: string[];
  hidden?: boolean;
  right?: boolean;
}

export type CatRow = Record<string, string | null>;

export interface CatOutput {
  json: boolean;
  body: unknown;
}

const globMatch = (pattern: string, s: string): boolean =>
  new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(s);

/**
 * RestTable: `format=json` or a JSON Accept → array of objects whose values are all strings (or
 * null) (service-facts 0.14); otherwise a padded text table, with a header line when `v` is set.
 * `h` picks columns by name or alias (wildcards allowed; unknown names are dropped), `s` sorts.
 */
export function renderCat(columns: readonly CatColumn[], rows: readonly CatRow[], query: URLSearchParams, acceptsJson: boolean): CatOutput {
  const format = query.get('format');
  const json = format !== null ? format.toLowerCase() === 'json' : acceptsJson;
  const display: { name: string; label: string; col: CatColumn }[] = [];
  const h = query.get('h');
  if (h !== null) {
    for (const want of h.split(',').map((s) => s.trim()).filter((s) => s)) {
      if (want.includes('*')) {
        for (const c of columns) {
          if ((globMatch(want, c.name) || (c.aliases ?? []).some((a) => globMatch(want, a))) && !display.some((d) => d.name === c.name)) {
            display.push({ name: c.name, label: c.name, col: c });
          }
        }
        continue;
      }
      const byName = columns.find((c) => c.name === want);
      if (byName) display.push({ name: byName.name, label: want, col: byName });
      else {
        const byAlias = columns.find((c) => (c.aliases ?? []).includes(want));
        if (byAlias) display.push({ name: byAlias.name, label: want, col: byAlias });
      }
    }
  } else {
    for (const c of columns) if (!c.hidden) display.push({ name: c.name, label: c.name, col: c });
  }
  const ordered = sortRows(columns, rows, query.get('s'));
  if (json) {
    return { json: true, body: ordered.map((r) => Object.fromEntries(display.map((d) => [d.label, r[d.name] ?? null]))) };
  }
  const verbose = query.get('v') !== null && query.get('v') !== 'false';
  const widths = display.map((d) => Math.max(verbose ? d.label.length : 0, ...ordered.map((r) => (r[d.name] ?? '').length)));
  const line = (cells: (string | null)[], header: boolean): string =>
    cells
      .map((v, i) => {
        const s = v ?? '';
        const last = i === cells.length - 1;
        const padN = widths[i]! - s.length;
        if (!header && display[i]!.col.right && padN > 0) return ' '.repeat(padN) + s;
        return last ? s : s + ' '.repeat(Math.max(0, padN));
      })
      .join(' ') + '\n';
  let text = verbose ? line(display.map((d) => d.label), true) : '';
  for (const r of ordered) text += line(display.map((d) => r[d.name] ?? null), false);
  return { json: false, body: text };
}

function sortRows(columns: readonly CatColumn[], rows: readonly CatRow[], s: string | null): CatRow[] {
  const out = [...rows];
  if (!s) return out;
  const keys = s.split(',').map((k) => {
    let name = k.trim();
    let desc = false;
    if (name.endsWith(':desc')) {
      desc = true;
      name = name.slice(0, -5);
    } else if (name.endsWith(':asc')) name = name.slice(0, -4);
    const col = columns.find((c) => c.name === name || (c.aliases ?? []).includes(name));
    if (!col) throw new EsError(500, 'unsupported_operation_exception', `Unable to sort by unknown sort key \`${name}\``);
    return { name: col.name, desc };
  });
  const cmp = (a: string | null, b: string | null): number => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    const na = Number(a);
    const nb = Number(b);
    if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return a < b ? -1 : 1;
  };
  out.sort((x, y) => {
    for (const k of keys) {
      const c = cmp(x[k.name] ?? null, y[k.name] ?? null);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
  return out;
}
