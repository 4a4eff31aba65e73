/** Parses an Elasticsearch time value (`30s`, `500ms`, `1m`, `-1`) into milliseconds. Pure. */
export function parseTimeValue(value: string, settingName: string): number {
  const v = value.trim().toLowerCase();
  if (v === '-1') return -1;
  if (v === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)$/.exec(v);
  if (!m) {
    throw new TimeValueError(
      `failed to parse setting [${settingName}] with value [${value}] as a time value: unit is missing or unrecognized`,
    );
  }
  const n = Number(m[1]);
  const factor: Record<string, number> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return n * (factor[m[2]!] ?? 1);
}

/** Thrown when a time value cannot be parsed; the message is ES's. */
export class TimeValueError extends Error {}

/** Renders milliseconds the way ES prints TimeValue (`1m`, `30s`, `250ms`). */
export function formatTimeValue(ms: number): string {
  if (ms < 0) return '-1';
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
