/**
 * What an event loop was doing when it stalled: the loop-delay histogram says how long the worst
 * stall was, not what ran in it. At 10,000 agents some runs had reports p99 over 100 ms because of
 * 140 ms stalls no figure explained. A timer notes each stretch in which it could not run; named
 * calls (a reconcile pass, a liveness flush, a REST roll-up, an agent stream's messages, a PUT) and GC pauses are
 * noted as spans; each stall is then told as the time each name took within it. The times are on
 * monoNow's clock, which every bench process shares, so the simulator's stalls can be told with
 * the control plane's GC pauses and stalls too.
 */
import { readSchedstat, schedstatSince } from './cpu-time.js';
import { constants as perf } from 'node:perf_hooks';
import { monoNow } from './ipc.js';
import type { GcPause } from './stats.js';

/** A stretch of time, ms on monoNow()'s clock (ipc.ts). */
export interface Span {
  label: string;
  start: number;
  end: number;
}

/**
 * A loop stall, with how long the loop's thread was on a core within it and how long it waited
 * for one (Linux schedstat; absent elsewhere). A stall spent mostly waiting is the machine's two
 * cores taken by other threads (the other processes, V8's GC helpers), not this loop's own work.
 */
export interface StallSpan extends Span {
  onCoreMs?: number;
  waitingMs?: number;
}

/** A stall and what ran within it: ms per label (overlap with the stall), the rest `unnamed`. */
export interface Stall {
  /** ms since the watch began. */
  at: number;
  ms: number;
  onCoreMs?: number;
  waitingMs?: number;
  within: Record<string, { ms: number; n: number }>;
  unnamedMs: number;
}

/**
 * Each stall with the spans that overlap it, longest first, at most `top`. Pure. Overlapping
 * spans of one label (nested calls) count once per span; a span's part outside the stall is not
 * counted. `origin` is the watch's start on the spans' clock.
 */
export function attributeStalls(
  stalls: readonly StallSpan[],
  spans: readonly Span[],
  origin: number,
  top = 5,
): Stall[] {
  return [...stalls]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, top)
    .map((s) => {
      const within: Record<string, { ms: number; n: number }> = {};
      let named = 0;
      for (const x of spans) {
        const ms = Math.min(s.end, x.end) - Math.max(s.start, x.start);
        if (ms <= 0) continue;
        const w = (within[x.label] ??= { ms: 0, n: 0 });
        w.ms += ms;
        w.n++;
        named += ms;
      }
      return {
        at: s.start - origin,
        ms: s.end - s.start,
        ...(s.onCoreMs === undefined ? {} : { onCoreMs: s.onCoreMs, waitingMs: s.waitingMs }),
        within,
        unnamedMs: Math.max(0, s.end - s.start - named),
      };
    });
}

/** One line per stall: `142 ms at +3.2 s: reconcile pass 120 ms, reports 12 ms (n=300), unnamed 10 ms`. */
export function describeStalls(stalls: readonly Stall[]): string {
  if (stalls.length === 0) return 'none';
  const r = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
  return stalls
    .map((s) => {
      const parts = Object.entries(s.within)
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([label, w]) => `${label} ${r(w.ms)} ms${w.n > 1 ? ` (n=${w.n})` : ''}`);
      const sched =
        s.onCoreMs === undefined
          ? ''
          : ` (on a core ${r(s.onCoreMs)} ms, waiting for one ${r(s.waitingMs ?? 0)} ms)`;
      return `${r(s.ms)} ms at +${(s.at / 1000).toFixed(1)} s${sched}: ${[...parts, `unnamed ${r(s.unnamedMs)} ms`].join(', ')}`;
    })
    .join('; ');
}

/**
 * What a watch saw, all on monoNow's clock: its start, its stalls, the spans noted (GC pauses
 * included, as gcSpan labels them) and the GC pauses themselves (for stats.ts gcSummary).
 */
export interface Watched {
  origin: number;
  stalls: StallSpan[];
  spans: Span[];
  gcs: GcPause[];
}

/** A GC pause as a span, `major GC` or `GC`. */
export function gcSpan(gc: GcPause): Span {
  return {
    label: gc.kind === perf.NODE_PERFORMANCE_GC_MAJOR ? 'major GC' : 'GC',
    start: gc.at,
    end: gc.at + gc.ms,
  };
}

/**
 * Notes stalls over `minMs` (a 10 ms timer that ran late by more than that) and named spans while
 * on. `time(label, fn)` runs `fn` and notes its span when watching; it costs nothing otherwise.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private stalls: StallSpan[] = [];
  private spans: Span[] = [];
  private gcs: GcPause[] = [];
  private origin = 0;
  private static readonly TICK_MS = 10;

  constructor(private readonly minMs = 50) {}

  start(): void {
    this.stop();
    this.stalls = [];
    this.spans = [];
    this.gcs = [];
    this.origin = monoNow();
    let last = this.origin;
    let lastSched = readSchedstat();
    this.timer = setInterval(() => {
      const now = monoNow();
      const sched = readSchedstat();
      if (now - last - StallWatch.TICK_MS > this.minMs)
        this.stalls.push({
          label: 'stall',
          start: last,
          end: now,
          ...schedstatSince(lastSched, sched),
        });
      last = now;
      lastSched = sched;
    }, StallWatch.TICK_MS);
  }

  /** Stops watching; what it saw (nothing when it was not watching). */
  stop(): Watched {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seen = { origin: this.origin, stalls: this.stalls, spans: this.spans, gcs: this.gcs };
    this.stalls = [];
    this.spans = [];
    this.gcs = [];
    return seen;
  }

  /** Notes a GC pause (stats.ts watchGc): kept, and as a span (gcSpan). */
  noteGc(gc: GcPause): void {
    if (!this.timer) return;
    this.spans.push(gcSpan(gc));
    this.gcs.push(gc);
  }

  /** Notes a span that was measured elsewhere (an agent stream's message handling), on monoNow's clock. */
  note(label: string, start: number, end: number): void {
    if (this.timer) this.spans.push({ label, start, end });
  }

  time<T>(label: string, fn: () => T): T {
    if (!this.timer) return fn();
    const start = monoNow();
    try {
      return fn();
    } finally {
      this.spans.push({ label, start, end: monoNow() });
    }
  }
}
