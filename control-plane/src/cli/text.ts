/**
 * Small pure text helpers. Values shown to the operator come from the server or from files, so any
 * control character is made visible instead of being written to the terminal (a stray ESC or newline
 * could forge output lines or recolour the terminal).
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Replaces control characters with visible escapes (`\n`, `\t`, `\x1b`). */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * `escapeControl` for one log line, tabs kept: Java stack frames start with one, and a tab forges
 * no line or colour.
 */
export function escapeLogLine(s: string): string {
  return s
    .split('\t')
    .map((part) => escapeControl(part))
    .join('\t');
}

/**
 * Renders how long ago `iso` was, relative to `nowMs`: "3s ago", "5m ago", "2h ago", "4d ago".
 * `null`/missing → "never"; an unparsable time is shown as "?"; a time in the future (clock skew
 * between the control plane and this machine) counts as "0s ago" rather than a negative age.
 */
export function formatAge(iso: string | null | undefined, nowMs: number): string {
  if (iso === null || iso === undefined || iso === '') return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '?';
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** Renders a byte count with binary units: 512 → "512B", 8589934592 → "8.0GiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v.toFixed(1)}${units[i]}`;
}

/** Any JSON-ish value as one short cell: strings as-is, objects as compact JSON, missing as "-". */
export function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
