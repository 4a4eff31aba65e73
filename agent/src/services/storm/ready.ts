/**
 * Whether a Storm daemon serves again after a restart, from its probe (pure). Without this the
 * agent's default (`ok`) finished a supervisor's rollout step 200-1200 ms after the new process
 * started: the probe itself succeeds while nothing listens yet, and the old supervisor's ephemeral
 * `/supervisors/<id>` znode (same id, kept in its local state) outlives it by the ZooKeeper session
 * timeout, so "registered" alone says nothing about the new process.
 *
 * - nimbus: its Thrift port answers and it is registered under `/nimbuses` (a standby is ready
 *   without leading; leadership is the cluster health's business);
 * - supervisor: its Thrift port answers (only the new process can hold it: the old one is gone) and
 *   it is registered with a heartbeat no older than `maxHeartbeatAgeSecs`;
 * - ui: it serves its REST API.
 */
export function isStormReady(probe: unknown, maxHeartbeatAgeSecs = 30): boolean {
  const p = probe as
    | {
        role?: unknown;
        ok?: unknown;
        listening?: unknown;
        registered?: unknown;
        heartbeatAgeSecs?: unknown;
        serving?: unknown;
      }
    | undefined;
  if (!p || p.ok !== true) return false;
  if (p.role === 'nimbus') return p.listening === true && p.registered === true;
  if (p.role === 'supervisor') {
    const fresh = typeof p.heartbeatAgeSecs !== 'number' || p.heartbeatAgeSecs <= maxHeartbeatAgeSecs;
    return p.listening === true && p.registered === true && fresh;
  }
  if (p.role === 'ui') return p.serving === true;
  return false;
}
