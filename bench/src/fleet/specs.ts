/**
 * The fleet every fan-out benchmark uses, by host name `b0`, `b1`, …: a ZooKeeper ensemble on the
 * first three hosts, a Storm nimbus on the fourth and a supervisor on every other host, so a
 * change of one Storm setting touches every host but the first three (fleet-push awaits the
 * supervisors'). fleet-push, apply-cost and store-commit all plan it, so their figures are of the
 * same desired states.
 */

/** The ZooKeeper cluster `zk-bench` on b0, b1 and b2. */
export const BENCH_ZOOKEEPER = {
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  members: [0, 1, 2].map((i) => ({ host: `b${i}`, id: i + 1 })),
};

/**
 * The Storm cluster `storm-bench` over `hosts` (at least five: b0…b3 are ZooKeeper and the
 * nimbus), with `topology.message.timeout.secs` set to `timeoutSecs`: each benchmark's change flips it.
 */
export function benchStorm(hosts: readonly string[], timeoutSecs: number) {
  return {
    kind: 'storm',
    distribution: { home: '/opt/storm' },
    zookeeper: 'zk-bench',
    nimbus: { hosts: ['b3'] },
    supervisors: { hosts: hosts.slice(4), slots: [6700, 6701] },
    settings: { 'topology.message.timeout.secs': timeoutSecs },
  };
}

/**
 * What a member of these clusters reports as its probe when all is well, in the shapes the kinds'
 * parsers accept (shared/src/services/<kind>): `i` is the host's index (`b<i>`), `address` its
 * address. The simulated agents send it as JSON; apply-cost records it as the reports' parsed probe.
 */
export function benchProbe(inst: { kind: string; role: string }, address: string, i: number): object {
  if (inst.kind === 'zookeeper')
    return i === 0
      ? { ok: true, serving: true, mode: 'leader', version: '3.8.4', zxid: '0x100000002', syncedFollowers: 2 }
      : { ok: true, serving: true, mode: 'follower', version: '3.8.4', zxid: '0x100000002' };
  const up = { role: inst.role, ok: true, listening: true, registered: true };
  if (inst.role === 'nimbus') {
    const self = `${address}:6627`;
    return { ...up, leader: self, isLeader: true, queue: [self] };
  }
  if (inst.role === 'supervisor') {
    const supervisorId = `a1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return { ...up, supervisorId, slots: [6700, 6701], heartbeatAgeSecs: 2 };
  }
  return { ok: true };
}
