import { nullLogger } from '@hactl/shared';
import { createCore, type Core } from './core.js';
import type { Store } from './store/store.js';

/** The clock in-process API tests run at (ms since the epoch). */
export const TEST_NOW = 1_800_000_000_000;

/** The core on `store` with a fixed clock, fixed ids and fast timings, for in-process API tests. */
export function createTestCore(store: Store): Core {
  return createCore({
    store,
    logger: nullLogger,
    now: () => TEST_NOW,
    reportIntervalMs: 1000,
    leaseTtlMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: () => 'abc123',
  });
}
