/** Largest duration accepted anywhere (--timeout, --since): 30 days. */
const MAX_MS = 30 * 86_400_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `90s`, `10m`, `1h30m`, `2d`, `500ms` (or bare seconds, `30`) into ms; pure. Returns the
 * reason as a string when it is not one (callers name the field).
 */
export function parseDuration(text: string): number | string {
  const t = text.trim();
  if (/^[0-9]{1,7}$/.test(t)) return check(Number(t) * 1000);
  if (!/^([0-9]{1,7}(ms|s|m|h|d))+$/.test(t)) return 'must be a duration such as 90s, 10m, 1h30m or 2d';
  let ms = 0;
  for (const m of t.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return check(ms);
}

function check(ms: number): number | string {
  if (ms <= 0) return 'must be longer than 0';
  if (ms > MAX_MS) return 'must be at most 30d';
  return ms;
}
