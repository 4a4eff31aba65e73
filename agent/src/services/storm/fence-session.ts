import type { InstanceChecks } from '../types.js';
import { ReusedClient } from '../reuse.js';
import { answerWithin } from '../zk-session.js';
import type { StormAgentInputs } from './inputs.js';
import {
  SelfFence,
  checkNimbusFence,
  openZkFenceStore,
  type FenceStore,
  type OpenFenceStore,
} from './fence.js';

/**
 * One nimbus's ZooKeeper session for its fence, kept between checks as a prober keeps its
 * ZkSession (see reuse.ts). The running check reads the fence every second: a session per check
 * made the ensemble create and expire a session a second for every manual-failover nimbus. Opened
 * on the first check; reused while the connect string, root and timeout stay the same and the
 * session is up; dropped after a failed or late call, so the next check opens a new one; closed by
 * `close()` when the instance is removed or the agent stops.
 */
export class FenceSession {
  private readonly stores: ReusedClient<FenceStore>;

  constructor(open: OpenFenceStore = openZkFenceStore) {
    this.stores = new ReusedClient({
      open: (key) => {
        const { connect, root, timeoutMs } = JSON.parse(key) as {
          connect: string;
          root: string;
          timeoutMs: number;
        };
        return open(connect, root, timeoutMs);
      },
      alive: (fs) => fs.alive !== false,
      close: (fs) => fs.close(),
    });
  }

  /**
   * An OpenFenceStore for checkNimbusFence on the kept session: each call runs on it and must answer
   * within `timeoutMs` (a kept session can hang where a fresh one would not connect, see
   * answerWithin); the view's close() leaves the session open. A session that cannot be opened
   * fails the view's first call, with the same error the open would have thrown.
   */
  readonly open: OpenFenceStore = (connect, root, timeoutMs) => {
    const key = JSON.stringify({ connect, root, timeoutMs });
    const on = <T>(call: (fs: FenceStore) => Promise<T>) =>
      this.stores.use(key, (fs) => answerWithin(connect, timeoutMs, call(fs)));
    return Promise.resolve({
      read: () => on((fs) => fs.read()),
      create: (record) => on((fs) => fs.create(record)),
      replace: (record, version) => on((fs) => fs.replace(record, version)),
      close: () => {},
    });
  };

  /** Closes the session, if one is open; never rejects. */
  close(): Promise<void> {
    return this.stores.close();
  }
}

/**
 * A nimbus instance's checks (AgentServiceKind.createChecks): the fence claimed before each start
 * and checked while running (architecture §5), both on one kept FenceSession that close() ends.
 * A running nimbus is stopped only on a certain answer (ZooKeeper read, newer epoch there), or by
 * the self-fence once the fence went unconfirmed for too long (SelfFence).
 */
export function createNimbusChecks(
  now: () => number,
  open: OpenFenceStore = openZkFenceStore,
): InstanceChecks<StormAgentInputs> {
  const session = new FenceSession(open);
  const selfFence = new SelfFence(now, session.open);
  return {
    checkStart: async (inputs, timeoutMs) => {
      const a = await checkNimbusFence(inputs, { claim: true, timeoutMs, open: session.open });
      return a.ok ? undefined : a.reason;
    },
    checkRunning: (inputs, timeoutMs) => selfFence.check(inputs, timeoutMs),
    close: () => session.close(),
  };
}
