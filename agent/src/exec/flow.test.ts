import { describe, expect, it } from 'vitest';
import { capMarker, initFlow, MAX_CHUNK_BYTES, planChunk, planCredit, planPayloads } from './flow.js';

describe('exec output flow', () => {
  it('defaults: 0 means 10 MiB cap and 256 KiB window', () => {
    const s = initFlow(0, 0);
    expect(s.cap).toBe(10 * 1024 * 1024);
    expect(s.window).toBe(256 * 1024);
  });

  it('under the cap and window: the whole read is sent, no pause', () => {
    const p = planChunk(initFlow(100, 50), 10);
    expect(p).toMatchObject({ take: 10, capReached: false, pause: false });
    expect(p.state).toMatchObject({ sent: 10, inFlight: 10, capped: false });
  });

  it('a read that fills the window pauses the source; credit resumes it', () => {
    const p = planChunk(initFlow(1000, 50), 60);
    expect(p.pause).toBe(true);
    expect(planCredit(p.state, 5).resume).toBe(false);
    const c = planCredit(p.state, 20);
    expect(c).toMatchObject({ resume: true, state: { inFlight: 40 } });
  });

  it('a read crossing the cap is cut at the cap, reaches it once, and nothing more is sent', () => {
    const a = planChunk(initFlow(100, 1000), 90);
    const b = planChunk(a.state, 30);
    expect(b).toMatchObject({ take: 10, capReached: true, pause: false, state: { sent: 100, capped: true } });
    expect(planChunk(b.state, 5)).toMatchObject({ take: 0, capReached: false });
  });

  it('output of exactly the cap is not capped; one more byte is', () => {
    const a = planChunk(initFlow(100, 1000), 100);
    expect(a.capReached).toBe(false);
    const b = planChunk(a.state, 1);
    expect(b).toMatchObject({ take: 0, capReached: true });
  });

  it('credit never makes in-flight negative', () => {
    expect(planCredit(initFlow(10, 10), 99).state.inFlight).toBe(0);
  });

  it('payloads are split to 32 KiB and numbered on from the last sequence', () => {
    const s = { ...initFlow(0, 0), seq: 4 };
    const p = planPayloads(s, Buffer.alloc(MAX_CHUNK_BYTES * 2 + 1));
    expect(p.parts.map((x) => [x.seq, x.data.length])).toEqual([
      [5, MAX_CHUNK_BYTES],
      [6, MAX_CHUNK_BYTES],
      [7, 1],
    ]);
    expect(p.state.seq).toBe(7);
  });

  it('the marker names the cap on a line of its own', () => {
    expect(capMarker(42)).toBe('\n[hactl: output capped at 42 bytes; the command was killed]\n');
  });
});
