import { nullLogger } from '@hactl/shared';
import { createCore, type Core } from '../core.js';
import type { Store } from '../store/store.js';

/**
 * The core for command tests (api/command-routes.test.ts, cli/exec.test.ts): distinct ids for
 * every command (test-core.ts's fixed id would make two commands one), `now` as given.
 */
export function commandTestCore(store: Store, now: () => number): Core {
  let ids = 0;
  return createCore({
    store,
    logger: nullLogger,
    now,
    reportIntervalMs: 1000,
    leaseTtlMs: 1000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: () => (++ids).toString(16).padStart(6, 'a'),
  });
}
