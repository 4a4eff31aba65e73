import { nullLogger } from '@hactl/shared';
import { createCore, type Core } from './core.js';
import type { Store } from './store/store.js';

/** The clock in-process API tests run at (ms since the epoch). */
export const TEST_NOW = 1_800_000_000_000;

/**
 * The core on `store` with a fixed clock, fixed ids and fast timings, for in-process tests.
 * `o` overrides the clock (a test that moves time passes `() => now`), the rollout/command id
 * source, the lease TTL (ms; default 1000) and the hosts pushed per event-loop turn (outbox.ts).
 */
export function createTestCore(
  store: Store,
  o: {
    now?: () => number;
    newId?: () => string;
    leaseTtlMs?: number;
    pushSliceHosts?: number;
    checkReplan?: boolean;
  } = {},
): Core {
  return createCore({
    ...(o.pushSliceHosts === undefined ? {} : { pushSliceHosts: o.pushSliceHosts }),
    store,
    logger: nullLogger,
    now: o.now ?? (() => TEST_NOW),
    reportIntervalMs: 1000,
    leaseTtlMs: o.leaseTtlMs ?? 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: o.newId ?? (() => 'abc123'),
    // Every partial re-plan of the unit tests is checked against a whole one (revisions.ts).
    checkReplan: o.checkReplan ?? true,
  });
}

/** A Debian PostgreSQL for tests (store/pg-testing.ts), for this package's tests and test/'s. */
export { startPostgres, startTempPostgres, type TestPostgres } from './store/pg-testing.js';
