import { canContainData } from './roles.js';
import { clusterSetting, type ClusterState, type NodeInfo, type ShardCopy, type ShardRouting } from './cluster-state.js';
import { parseTimeValue } from './time-value.js';

/**
 * The emulated shard allocator (AllocationService.reroute, heavily simplified). Given the cluster
 * state and the time, returns the state with the routing table brought up to date and when to look
 * again. Pure.
 *
 * Rules it follows (ES behaviour):
 * - copies on nodes that left are failed; a started replica is promoted when the primary is lost;
 *   the last copy of a shard stays in the in-sync set so only that node may bring the primary back
 *   (red until it returns);
 * - `cluster.routing.allocation.enable`: all | primaries | new_primaries | none;
 * - replicas lost with a node wait `index.unassigned.node_left.delayed_timeout` (default 1m, or the
 *   node's RESTART shutdown `allocation_delay`, default 5m) unless the node comes back;
 * - replicas recover from a started primary and stay INITIALIZING for `recoveryDelayMs`;
 * - index and cluster `routing.allocation.{require,include,exclude}.*` filters and node shutdown
 *   REMOVE/REPLACE (shards move off) are applied; a node holds at most one copy of a shard.
 */
export interface RerouteResult {
  state: ClusterState;
  /** Earliest time at which another reroute could change something. */
  nextCheckAtMillis: number | undefined;
  /** Human-readable reasons, for the log. */
  events: string[];
}

export interface RerouteOptions {
  nowMillis: number;
  recoveryDelayMs: number;
  nodeSettings: Record<string, string | string[]>;
}

const DEFAULT_DELAYED_TIMEOUT_MS = 60_000;
const DEFAULT_RESTART_ALLOCATION_DELAY_MS = 5 * 60_000;

export function reroute(input: ClusterState, opts: RerouteOptions): RerouteResult {
  const state: ClusterState = structuredClone(input);
  const now = opts.nowMillis;
  const events: string[] = [];
  let next: number | undefined;
  const wake = (t: number): void => {
    next = next === undefined ? t : Math.min(next, t);
  };
  const enable = (clusterSetting(state, 'cluster.routing.allocation.enable', opts.nodeSettings) ?? 'all').toLowerCase();
  const dataNodes = Object.values(state.nodes).filter((n) => canContainData(n.roles));
  const draining = new Set(
    Object.values(state.metadata.shutdowns)
      .filter((s) => s.type === 'REMOVE' || s.type === 'REPLACE')
      .map((s) => s.nodeId),
  );
  const load = new Map<string, number>();
  for (const shards of Object.values(state.routing)) for (const s of shards) for (const c of s.copies) load.set(c.nodeId, (load.get(c.nodeId) ?? 0) + 1);
  const leastLoaded = (cands: NodeInfo[]): NodeInfo | undefined =>
    [...cands].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.name.localeCompare(b.name))[0];
  const assign = (shard: ShardRouting, node: NodeInfo, copy: Omit<ShardCopy, 'nodeId'>): void => {
    shard.copies.push({ nodeId: node.id, ...copy });
    load.set(node.id, (load.get(node.id) ?? 0) + 1);
  };

  // Drop routing of deleted indices.
  for (const name of Object.keys(state.routing)) if (!state.metadata.indices[name]) delete state.routing[name];

  for (const meta of Object.values(state.metadata.indices)) {
    const shards = (state.routing[meta.name] ??= Array.from({ length: meta.numberOfShards }, () => ({ copies: [], delayed: [] })));
    const delayMs = indexDelayMs(meta.settings);
    const allowed = (n: NodeInfo): boolean => filtersAllow(meta.settings, 'index.routing.allocation.', n) && clusterFiltersAllow(state, opts, n);
    shards.forEach((shard, sid) => {
      const inSync = (meta.inSync[sid] ??= []);
      const label = `[${meta.name}][${sid}]`;

      // 1. Fail copies whose node left.
      const lost = shard.copies.filter((c) => !state.nodes[c.nodeId]);
      if (lost.length > 0) {
        shard.copies = shard.copies.filter((c) => state.nodes[c.nodeId]);
        const lostPrimary = lost.some((c) => c.primary);
        if (lostPrimary) {
          // Replicas still recovering from the lost primary fail with it.
          shard.copies = shard.copies.filter((c) => c.state === 'STARTED');
          const promoted = shard.copies.find((c) => !c.primary);
          if (promoted) {
            promoted.primary = true;
            events.push(`primary ${label} promoted on node [${state.nodes[promoted.nodeId]?.name}]`);
          }
        }
        const activeLeft = shard.copies.some((c) => c.state === 'STARTED');
        for (const c of lost) {
          if (activeLeft) {
            const i = inSync.indexOf(c.nodeId);
            if (i >= 0) inSync.splice(i, 1);
          }
          if (activeLeft || !c.primary) shard.delayed.push({ nodeId: c.nodeId, leftAtMillis: now });
        }
      }

      // 2. Finish recoveries.
      for (const c of shard.copies) {
        if (c.state !== 'INITIALIZING') continue;
        if (c.sinceMillis + opts.recoveryDelayMs <= now) {
          c.state = 'STARTED';
          if (!inSync.includes(c.nodeId)) inSync.push(c.nodeId);
          events.push(`shard started ${label} on node [${state.nodes[c.nodeId]?.name}]`);
        } else {
          wake(c.sinceMillis + opts.recoveryDelayMs);
        }
      }

      // 3. Primary.
      const holds = (n: NodeInfo): boolean => shard.copies.some((c) => c.nodeId === n.id);
      if (!shard.copies.some((c) => c.primary)) {
        const isNew = inSync.length === 0;
        const may = enable === 'all' || enable === 'primaries' || (enable === 'new_primaries' && isNew);
        if (may) {
          let cands = dataNodes.filter((n) => allowed(n) && !holds(n) && !draining.has(n.id));
          // An existing primary may only come back on a node that holds an in-sync copy.
          if (!isNew) cands = dataNodes.filter((n) => inSync.includes(n.id) && !holds(n));
          const target = leastLoaded(cands);
          if (target) {
            assign(shard, target, { primary: true, state: 'STARTED', sinceMillis: now });
            if (!inSync.includes(target.id)) inSync.push(target.id);
            shard.delayed = shard.delayed.filter((d) => d.nodeId !== target.id);
            events.push(`primary ${label} allocated on node [${target.name}]`);
          }
        }
      }

      // 4. Replicas.
      const primary = shard.copies.find((c) => c.primary);
      // Expire delays; a node's RESTART shutdown record replaces the index delay (allocation_delay).
      shard.delayed = shard.delayed.filter((d) => {
        const until = d.leftAtMillis + delayFor(state, d.nodeId, delayMs);
        if (until <= now) return false;
        wake(until);
        return true;
      });
      const effective = shard.copies.filter((c) => !draining.has(c.nodeId));
      let need = meta.numberOfReplicas + 1 - effective.length;
      if (need < shard.delayed.length) shard.delayed = shard.delayed.slice(shard.delayed.length - Math.max(need, 0));
      if (primary && primary.state === 'STARTED' && enable === 'all' && need > 0) {
        const cands = (): NodeInfo[] => dataNodes.filter((n) => allowed(n) && !holds(n) && !draining.has(n.id));
        // A returning node with a delayed copy gets it back at once (ReplicaShardAllocator).
        for (const d of [...shard.delayed]) {
          const back = cands().find((n) => n.id === d.nodeId);
          if (back && need > 0) {
            assign(shard, back, { primary: false, state: 'INITIALIZING', sinceMillis: now });
            shard.delayed = shard.delayed.filter((x) => x !== d);
            wake(now + opts.recoveryDelayMs);
            need--;
          }
        }
        const free = need - shard.delayed.length;
        for (let i = 0; i < free; i++) {
          const c = cands();
          const target = leastLoaded(c.filter((n) => inSync.includes(n.id))) ?? leastLoaded(c);
          if (!target) break;
          assign(shard, target, { primary: false, state: 'INITIALIZING', sinceMillis: now });
          wake(now + opts.recoveryDelayMs);
        }
      }

      // 5. Copies on draining nodes go once enough started copies exist elsewhere (a relocation);
      //    then surplus replicas (number_of_replicas lowered) go, initializing ones first.
      const drop = (victim: ShardCopy): void => {
        shard.copies = shard.copies.filter((c) => c !== victim);
        const i = inSync.indexOf(victim.nodeId);
        if (i >= 0) inSync.splice(i, 1);
        if (victim.primary) {
          const p = shard.copies.find((c) => c.state === 'STARTED');
          if (p) p.primary = true;
        }
      };
      const startedElsewhere = (): number => shard.copies.filter((c) => c.state === 'STARTED' && !draining.has(c.nodeId)).length;
      for (const c of shard.copies.filter((x) => draining.has(x.nodeId))) {
        if (startedElsewhere() >= meta.numberOfReplicas + 1) drop(c);
      }
      let surplus = shard.copies.filter((c) => !draining.has(c.nodeId)).length - (meta.numberOfReplicas + 1);
      while (surplus > 0) {
        const victim =
          shard.copies.find((c) => !c.primary && c.state === 'INITIALIZING' && !draining.has(c.nodeId)) ??
          [...shard.copies].reverse().find((c) => !c.primary && !draining.has(c.nodeId));
        if (!victim) break;
        drop(victim);
        surplus--;
      }
    });
  }
  return { state, nextCheckAtMillis: next, events };
}

function indexDelayMs(settings: Record<string, string>): number {
  const v = settings['index.unassigned.node_left.delayed_timeout'];
  return v === undefined ? DEFAULT_DELAYED_TIMEOUT_MS : Math.max(0, parseTimeValue(v, 'index.unassigned.node_left.delayed_timeout'));
}

function delayFor(state: ClusterState, nodeId: string, indexDelay: number): number {
  const rec = state.metadata.shutdowns[nodeId];
  if (rec && rec.type === 'RESTART') {
    const d = rec.allocationDelay ? parseTimeValue(rec.allocationDelay, 'allocation_delay') : DEFAULT_RESTART_ALLOCATION_DELAY_MS;
    return Math.max(indexDelay, d);
  }
  return indexDelay;
}

function attrValues(n: NodeInfo, attr: string): string[] {
  switch (attr) {
    case '_name':
      return [n.name];
    case '_id':
      return [n.id];
    case '_host':
      return [n.host];
    case '_ip':
    case '_host_ip':
    case '_publish_ip':
      return [n.ip];
    default: {
      const v = n.attributes[attr];
      return v === undefined ? [] : [v];
    }
  }
}

const wildcard = (pattern: string, value: string): boolean =>
  new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(value);

/** FilterAllocationDecider: require = all must match, include = any must match, exclude = none may match. */
export function filtersAllow(settings: Record<string, string>, prefix: string, n: NodeInfo): boolean {
  for (const [k, v] of Object.entries(settings)) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const kind = rest.slice(0, dot);
    const attr = rest.slice(dot + 1);
    const patterns = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (patterns.length === 0) continue;
    const match = patterns.some((p) => attrValues(n, attr).some((val) => wildcard(p, val)));
    if (kind === 'require' && !match) return false;
    if (kind === 'include' && !match) return false;
    if (kind === 'exclude' && match) return false;
  }
  return true;
}

function clusterFiltersAllow(state: ClusterState, opts: RerouteOptions, n: NodeInfo): boolean {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.nodeSettings)) if (k.startsWith('cluster.routing.allocation.')) merged[k] = Array.isArray(v) ? v.join(',') : v;
  Object.assign(merged, state.metadata.persistentSettings, state.metadata.transientSettings);
  return filtersAllow(merged, 'cluster.routing.allocation.', n);
}
