/**
 * Output accounting of one streaming command, pure: the per-command cap and the credit window.
 *
 * - Cap: at most `cap` bytes of output are sent; the read that crosses it is cut at the cap, a
 *   marker line follows, and the caller kills the process (issue 13: "a cap per command, then a
 *   clear marker"). The marker does not count against the cap.
 * - Window: at most `window` bytes are in flight (sent, not yet credited by the control plane).
 *   When a chunk fills the window the caller pauses its source (the child's pipes, the log reader)
 *   until credit returns, so a slow control plane or CLI makes the child block on its own pipe
 *   instead of the agent buffering without bound. One read can overshoot the window by at most
 *   one pipe read (64 KiB): a paused stream stops before its next read, not in the middle of one.
 */

/** Default cap per command: 10 MiB of stdout + stderr together. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Default credit window: 256 KiB in flight per command. */
export const DEFAULT_WINDOW_BYTES = 256 * 1024;
/** Largest ExecOutput payload; pipe reads are split to it (gRPC messages stay small). */
export const MAX_CHUNK_BYTES = 32 * 1024;

export interface FlowState {
  /** Output bytes allowed in total. */
  readonly cap: number;
  /** Output bytes allowed in flight. */
  readonly window: number;
  /** Output bytes sent so far (never above cap). */
  readonly sent: number;
  /** Sent bytes not yet credited. */
  readonly inFlight: number;
  /** The cap was reached: nothing more is sent. */
  readonly capped: boolean;
  /** The last sequence number used (0 before the first chunk). */
  readonly seq: number;
}

/** A fresh state; 0 for either limit means its default. */
export function initFlow(cap: number, window: number): FlowState {
  return {
    cap: cap > 0 ? cap : DEFAULT_MAX_OUTPUT_BYTES,
    window: window > 0 ? window : DEFAULT_WINDOW_BYTES,
    sent: 0,
    inFlight: 0,
    capped: false,
    seq: 0,
  };
}

export interface ChunkPlan {
  state: FlowState;
  /** How many bytes of the read to send (a prefix); 0 once capped. */
  take: number;
  /** This read reached the cap: send the marker and kill the process. True only once. */
  capReached: boolean;
  /** The window is full: pause the source until credit returns. */
  pause: boolean;
}

/** Accounts one read of `len` bytes from the source. */
export function planChunk(s: FlowState, len: number): ChunkPlan {
  if (s.capped) return { state: s, take: 0, capReached: false, pause: false };
  const take = Math.min(len, s.cap - s.sent);
  const sent = s.sent + take;
  const capReached = sent >= s.cap && len > take;
  const inFlight = s.inFlight + take;
  const state: FlowState = { ...s, sent, inFlight, capped: capReached };
  return { state, take, capReached, pause: !capReached && inFlight >= s.window };
}

/** Accounts credit for `bytes`; `resume` when the window has room again. */
export function planCredit(s: FlowState, bytes: number): { state: FlowState; resume: boolean } {
  const inFlight = Math.max(0, s.inFlight - bytes);
  return { state: { ...s, inFlight }, resume: inFlight < s.window };
}

/** Splits `data` into payloads of at most MAX_CHUNK_BYTES, numbering them from `s.seq + 1`. */
export function planPayloads(
  s: FlowState,
  data: Buffer,
): { state: FlowState; parts: { seq: number; data: Buffer }[] } {
  const parts: { seq: number; data: Buffer }[] = [];
  let seq = s.seq;
  for (let off = 0; off < data.length; off += MAX_CHUNK_BYTES)
    parts.push({ seq: ++seq, data: data.subarray(off, off + MAX_CHUNK_BYTES) });
  return { state: { ...s, seq }, parts };
}

/** The line sent (on stderr) after the last allowed byte. */
export function capMarker(cap: number): string {
  return `\n[hactl: output capped at ${cap} bytes; the command was killed]\n`;
}
