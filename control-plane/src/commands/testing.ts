import { nullLogger } from '@hactl/shared';
import { createApp } from '../api/app.js';
import { createCore, type Core } from '../core.js';
import type { AgentSession, ExecDown } from '../reconcile/fleet.js';
import { tempSqliteStore } from '../rollout/testing.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { testTrust } from '../trust/testing.js';
import type { TrustService } from '../trust/service.js';

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

/** What a command test runs against (commandTestApp). */
export interface CommandTestApp {
  store: SqliteStore;
  core: Core;
  trust: TrustService;
  /** A token with the admin scope. */
  adminToken: string;
  /** The real app on `core` and `trust`, called in-process with `app.request()`. */
  app: ReturnType<typeof createApp>;
  /** Stops the command timers, closes the store and removes its directory (for afterEach). */
  dispose(): void;
}

/**
 * The set-up command tests share: a SQLite store in a fresh temporary directory (`prefix`), the
 * command test core and trust on it at `now`, and the app on both. Agents are connected by each
 * test, with `execAgentSession`.
 */
export function commandTestApp(prefix: string, now: () => number): CommandTestApp {
  const { store, dispose } = tempSqliteStore(prefix);
  const core = commandTestCore(store, now);
  const { trust, adminToken } = testTrust(store, now);
  const app = createApp({
    fleet: core.fleet,
    rollouts: core.rollouts,
    failovers: core.failovers,
    commands: core.commands,
    logger: nullLogger,
    trust,
  });
  return {
    store,
    core,
    trust,
    adminToken,
    app,
    dispose: () => {
      core.commands.stop();
      dispose();
    },
  };
}

/** A fake agent's session that hands every exec message to `onExec` and drops everything else. */
export function execAgentSession(onExec: (msg: ExecDown) => void): AgentSession {
  return { sendDesired() {}, sendCommand() {}, close() {}, sendExec: onExec };
}
