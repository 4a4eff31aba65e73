/** Flattens `{"cluster":{"routing":{...}}}` / dotted keys into a flat map; `null` marks a reset. Pure. */
export function flattenBody(obj: unknown, prefix = '', out: Record<string, string | null> = {}): Record<string, string | null> {
  if (obj === null || obj === undefined || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix + k;
    if (v === null) out[key] = null;
    else if (Array.isArray(v)) out[key] = v.map((x) => String(x)).join(',');
    else if (typeof v === 'object') flattenBody(v, key + '.', out);
    else out[key] = String(v);
  }
  return out;
}

/** Settings.toXContent without `flat_settings`: dotted keys become nested objects. */
export function nestSettings(flat: Record<string, string | string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(flat).sort()) {
    const parts = key.split('.');
    let cur = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = cur[p];
      if (next === undefined || typeof next !== 'object' || Array.isArray(next)) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]!] = flat[key];
  }
  return out;
}
