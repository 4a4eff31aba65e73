import type { FleetContext } from '../services/types.js';
import { clusterSpecMap } from '../services/fleet-context.js';

/** What {@link stormTestFleet} varies between the Storm unit tests. */
export interface StormTestFleetOptions {
  /** Every host's data root. Default `/var/lib/hactl`. */
  dataRoot?: string;
  /** The ZooKeeper cluster's distribution home. Default `/usr/share/zookeeper`. */
  zookeeperHome?: string;
  /** The ZooKeeper members' ids in spec order (1-3). Default `[1, 2, 3]`. */
  zookeeperOrder?: readonly number[];
  /** The id of Storm host `i` (1-4), whose name is `storm<i>`. Default: the name. */
  stormHostId?: (i: number) => string;
}

/**
 * The fleet the Storm unit tests validate and plan against, as the Storm e2e lab slice lays it
 * out: ZooKeeper cluster `zk-main` on hosts zk1..zk3 (127.0.5.1-3, member ids 1-3) and Storm hosts
 * storm1..storm4 (127.0.5.11-14), no labels. Pure.
 */
export function stormTestFleet(o: StormTestFleetOptions = {}): FleetContext {
  const dataRoot = o.dataRoot ?? '/var/lib/hactl';
  const zk = {
    name: 'zk-main',
    kind: 'zookeeper' as const,
    distribution: { home: o.zookeeperHome ?? '/usr/share/zookeeper' },
    settings: {},
    members: (o.zookeeperOrder ?? [1, 2, 3]).map((i) => ({ host: `zk${i}`, id: i })),
  };
  return {
    hosts: [
      ...[1, 2, 3].map((i) => ({
        id: `zk${i}`,
        name: `zk${i}`,
        address: `127.0.5.${i}`,
        dataRoot,
        labels: {},
      })),
      ...[1, 2, 3, 4].map((i) => ({
        id: o.stormHostId?.(i) ?? `storm${i}`,
        name: `storm${i}`,
        address: `127.0.5.1${i}`,
        dataRoot,
        labels: {},
      })),
    ],
    clusters: clusterSpecMap([zk]),
  };
}
