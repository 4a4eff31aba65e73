import type { MemberStatus } from '../domain.js';

/**
 * A ZooKeeper-style member status for tests: member `id` on host `zk<id>` (127.0.0.1<id>), in
 * `mode`. Fixture shorthand: the kinds set `leading` from their probes, whatever they call the
 * mode; here a leader, controller or master leads and ranks last (restartRank 2).
 */
export function zkMemberStatus(id: number, mode: string): MemberStatus {
  const leading = ['leader', 'controller', 'master'].includes(mode);
  return {
    instance: `zk/zk-${id}`,
    host: `zk${id}`,
    id,
    address: `127.0.0.1${id}`,
    port: 2181,
    role: 'member',
    mode,
    process: 'running',
    lastProbe: null,
    detail: '',
    pid: 0,
    restarts: 0,
    leading,
    restartRank: leading ? 2 : 0,
  };
}
