/** Percentiles, GC pauses, the fan-out ratio's bootstrap interval and the printed table of the fleet benchmark. */
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { quantileSorted, sampleWithReplacement } from 'simple-statistics';
import { monoNow } from './ipc.js';

/** The nearest-rank `p`th percentile (0-100) of ascending `sorted`; the 0th is the smallest, NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The share of hosts (percentiles) at which the simulated agents say when a change had arrived. */
export const ARRIVAL_PERCENTILES = [0, 10, 25, 50, 75, 90] as const;

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * One GC pause of this process: V8's kind (perf_hooks `constants.NODE_PERFORMANCE_GC_*`), how long
 * it stopped the event loop (ms) and when it began (ipc.ts monoNow, so two processes' times
 * compare).
 */
export interface GcPause {
  kind: number;
  ms: number;
  at: number;
}

/** Calls `onPause` for every GC pause of this process from now on (V8's `gc` performance entries). */
export function watchGc(onPause: (gc: GcPause) => void): void {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      onPause({
        kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0,
        ms: e.duration,
        at: monoNow() - (performance.now() - e.startTime),
      });
  }).observe({ entryTypes: ['gc'] });
}

/** One process's GC pauses of one kind in a window: count, total and longest pause (ms). */
export interface GcPauses {
  n: number;
  totalMs: number;
  maxMs: number;
}

/** A window's major (mark-compact) and minor (scavenge) GC pauses. */
export type GcSummary = Record<'major' | 'minor', GcPauses>;

/** Count, total and longest pause (ms) of the major and minor GCs in `list`. */
export function gcSummary(list: readonly { kind: number; ms: number }[]): GcSummary {
  const of = (kind: number): GcPauses => {
    const pauses = list.filter((g) => g.kind === kind).map((g) => g.ms);
    return { n: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses) };
  };
  return { major: of(perf.NODE_PERFORMANCE_GC_MAJOR), minor: of(perf.NODE_PERFORMANCE_GC_MINOR) };
}

/** `2 major (max 180, total 310 ms), 41 minor (max 20.1, total 400 ms)`. */
export function gcText(gc: GcSummary): string {
  const one = (g: GcPauses, what: string) => `${g.n} ${what} (max ${ms(g.maxMs)}, total ${ms(g.totalMs)} ms)`;
  return `${one(gc.major, 'major')}, ${one(gc.minor, 'minor')}`;
}

/** A ratio's bootstrap interval: its low and high bounds at `level` (0.9 = 90 %). */
export interface RatioInterval {
  low: number;
  high: number;
  level: number;
}

/**
 * A percentile-bootstrap interval for the ratio of medians of paired rounds: `num[i]` and `den[i]`
 * are round i of each side (hactl's fan-out and the bare server's, measured in the same minute).
 * `resamples` times it draws as many round indices with replacement (simple-statistics'
 * `sampleWithReplacement`), keeping pairs together, and takes median(num) / median(den) over them
 * with the table's nearest-rank median; the bounds are those ratios' (1 − level) / 2 and
 * (1 + level) / 2 quantiles. Undefined below `minRounds` rounds, where an interval would only
 * repeat the few values there are. `random` returns [0, 1) (a seeded one in tests).
 * Throws RangeError when the two sides have different numbers of rounds.
 */
export function ratioInterval(
  num: readonly number[],
  den: readonly number[],
  opts: { level?: number; resamples?: number; minRounds?: number; random?: () => number } = {},
): RatioInterval | undefined {
  if (num.length !== den.length)
    throw new RangeError(`paired rounds needed: ${num.length} against ${den.length}`);
  const { level = 0.9, resamples = 2000, minRounds = 5, random = Math.random } = opts;
  if (num.length < minRounds) return undefined;
  const indices = num.map((_, i) => i);
  const ratios: number[] = [];
  for (let k = 0; k < resamples; k++) {
    const drawn = sampleWithReplacement(indices, indices.length, random);
    ratios.push(median(drawn.map((i) => num[i]!)) / median(drawn.map((i) => den[i]!)));
  }
  ratios.sort((a, b) => a - b);
  return {
    low: quantileSorted(ratios, (1 - level) / 2),
    high: quantileSorted(ratios, (1 + level) / 2),
    level,
  };
}

/**
 * A ratio against its target (hactl at most 1.5× the bare floor): `met` when the whole interval
 * is at or under it, `missed` when the whole interval is over it, `unsettled` when it straddles
 * the target (more rounds may settle it) or there is no interval.
 */
export function verdict(interval: RatioInterval | undefined, target: number): 'met' | 'missed' | 'unsettled' {
  if (!interval) return 'unsettled';
  if (interval.high <= target) return 'met';
  if (interval.low > target) return 'missed';
  return 'unsettled';
}
