import { describe, expect, it } from 'vitest';
import { isStormReady } from './ready.js';

describe('storm readiness after a restart', () => {
  it.each([
    [
      'supervisor: probe ok but nothing listens yet (new JVM starting, old znode lingering) → not ready',
      { role: 'supervisor', ok: true, listening: false, registered: true, heartbeatAgeSecs: 3 },
      false,
    ],
    [
      'supervisor: listening and registered with a fresh heartbeat → ready',
      { role: 'supervisor', ok: true, listening: true, registered: true, heartbeatAgeSecs: 1 },
      true,
    ],
    [
      'supervisor: listening but its registration is a stale heartbeat → not ready',
      { role: 'supervisor', ok: true, listening: true, registered: true, heartbeatAgeSecs: 45 },
      false,
    ],
    [
      'supervisor: listening, not registered yet → not ready',
      { role: 'supervisor', ok: true, listening: true, registered: false },
      false,
    ],
    [
      'nimbus: listening and registered, standby → ready',
      { role: 'nimbus', ok: true, listening: true, registered: true, isLeader: false },
      true,
    ],
    [
      'nimbus: registered (lingering znode) but not listening → not ready',
      { role: 'nimbus', ok: true, listening: false, registered: true, isLeader: false },
      false,
    ],
    ['ui: serving → ready', { role: 'ui', ok: true, serving: true }, true],
    ['ui: not serving → not ready', { role: 'ui', ok: true, serving: false }, false],
    [
      'a failed probe → not ready',
      { role: 'supervisor', ok: false, listening: true, registered: true },
      false,
    ],
  ])('%s', (_name, probe, ready) => {
    expect(isStormReady(probe)).toBe(ready);
  });
});
