import type { ClusterState } from '../cluster-state.js';
import { computeHealth, nodesConditionMet, STATUS_RANK, type ClusterHealth, type HealthStatus } from '../health.js';
import { L } from '../log.js';
import type { NodeContext } from '../node-context.js';
import { KNOWN_SETTINGS, DYNAMIC_CLUSTER_PREFIXES, DYNAMIC_CLUSTER_SETTINGS } from '../settings-registry.js';
import { parseTimeValue, TimeValueError } from '../time-value.js';
import { actionValidation, EsError, illegalArgument } from './errors.js';
import { JsonDouble } from './media.js';
import type { RestRequest, RestResult } from './router.js';
import { flattenBody, nestSettings } from './settings-body.js';

export function timeParam(req: RestRequest, name: string, def: number): number {
  const v = req.query.get(name);
  if (v === null) return def;
  try {
    return parseTimeValue(v, name);
  } catch (err) {
    if (err instanceof TimeValueError) throw new EsError(400, 'parse_exception', err.message);
    throw err;
  }
}

/** Resolves once `ready(state)` holds for the applied state, or with false after `timeoutMs`. */
export function waitForState(ctx: NodeContext, ready: (s: ClusterState) => boolean, timeoutMs: number): Promise<boolean> {
  if (ready(ctx.coordinator.applied)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const ev = ctx.coordinator.events;
    const onApplied = (s: ClusterState): void => {
      if (ready(s)) {
        cleanup();
        resolve(true);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve(ready(ctx.coordinator.applied));
    }, Math.max(0, timeoutMs));
    const cleanup = (): void => {
      clearTimeout(timer);
      ev.off('applied', onApplied);
    };
    ev.on('applied', onApplied);
  });
}

/**
 * `GET /_cluster/health` (service-facts 4.4): waits for `wait_for_status`, `wait_for_nodes`,
 * `wait_for_no_initializing_shards`, `wait_for_no_relocating_shards`, `wait_for_active_shards` up to
 * `timeout` (30s) and answers 408 with `timed_out: true` when they are not met. `level` is accepted
 * and ignored (cluster level only).
 */
export async function clusterHealth(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const timeoutMs = timeParam(req, 'timeout', 30_000);
  const waitStatus = req.query.get('wait_for_status') as HealthStatus | null;
  if (waitStatus !== null && !(waitStatus in STATUS_RANK)) throw illegalArgument(`unknown cluster health status [${waitStatus}]`);
  const waitNodes = req.query.get('wait_for_nodes');
  const noInit = req.query.get('wait_for_no_initializing_shards') === 'true';
  const noReloc = req.query.get('wait_for_no_relocating_shards') === 'true';
  const activeShards = req.query.get('wait_for_active_shards');
  const ok = (h: ClusterHealth): boolean => {
    if (waitStatus !== null && STATUS_RANK[h.status] > STATUS_RANK[waitStatus]) return false;
    if (waitNodes !== null && waitNodes !== '' && !nodesConditionMet(waitNodes, h.number_of_nodes)) return false;
    if (noInit && h.initializing_shards > 0) return false;
    if (noReloc && h.relocating_shards > 0) return false;
    if (activeShards !== null && activeShards !== '') {
      const want = activeShards === 'all' ? h.active_shards + h.unassigned_shards + h.initializing_shards : Number(activeShards);
      if (h.active_shards < want) return false;
    }
    return true;
  };
  const waiting = waitStatus !== null || waitNodes !== null || noInit || noReloc || activeShards !== null;
  const met = waiting ? await waitForState(ctx, (s) => ok(computeHealth(s)), timeoutMs) : true;
  const h = computeHealth(ctx.coordinator.applied);
  h.timed_out = !met;
  return { status: met ? 200 : 408, body: { ...h, active_shards_percent_as_number: new JsonDouble(h.active_shards_percent_as_number) } };
}

const ENABLE_VALUES = ['all', 'primaries', 'new_primaries', 'none'];

function isDynamic(key: string): boolean {
  return DYNAMIC_CLUSTER_SETTINGS.includes(key) || DYNAMIC_CLUSTER_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length);
}

/** ClusterSettings.updateDynamicSettings: validate one scope's update against the registry. */
function applyScope(current: Record<string, string>, update: Record<string, string | null>, scope: 'persistent' | 'transient'): Record<string, string> {
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) {
      if (key.endsWith('*')) {
        const prefix = key.slice(0, -1);
        for (const k of Object.keys(next)) if (k.startsWith(prefix)) delete next[k];
        continue;
      }
      if (!isDynamic(key)) throw illegalArgument(`${scope} setting [${key}], not recognized`);
      delete next[key];
      continue;
    }
    if (!isDynamic(key)) {
      if (KNOWN_SETTINGS.includes(key)) throw illegalArgument(`${scope} setting [${key}], not dynamically updateable`);
      throw illegalArgument(`${scope} setting [${key}], not recognized`);
    }
    if (key === 'cluster.routing.allocation.enable' && !ENABLE_VALUES.includes(value.toLowerCase())) {
      throw illegalArgument(`Illegal allocation.enable value [${value.toUpperCase()}]`);
    }
    next[key] = value;
  }
  return next;
}

/**
 * `PUT /_cluster/settings`: persistent and transient scopes, `null` resets a key (the rolling-restart
 * procedure, service-facts 4.7). The answer echoes what this request set, nested.
 */
export async function putClusterSettings(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const body = (req.body ?? {}) as { persistent?: unknown; transient?: unknown };
  const persistent = flattenBody(body.persistent);
  const transient = flattenBody(body.transient);
  if (Object.keys(persistent).length === 0 && Object.keys(transient).length === 0) {
    throw actionValidation(['no settings to update']);
  }
  const md = ctx.coordinator.applied.metadata;
  const nextPersistent = applyScope(md.persistentSettings, persistent, 'persistent');
  const nextTransient = applyScope(md.transientSettings, transient, 'transient');
  await ctx.coordinator.submit('cluster_update_settings', (s) => ({
    ...s,
    metadata: { ...s.metadata, persistentSettings: nextPersistent, transientSettings: nextTransient },
  }));
  const echo = (u: Record<string, string | null>): Record<string, unknown> => {
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(u)) if (v !== null) set[k] = v;
    return req.query.get('flat_settings') === 'true' ? set : nestSettings(set);
  };
  ctx.logger.info(L.settings, `updating cluster settings: persistent ${JSON.stringify(persistent)}, transient ${JSON.stringify(transient)}`);
  return { status: 200, body: { acknowledged: true, persistent: echo(persistent), transient: echo(transient) } };
}

export function getClusterSettings(req: RestRequest, ctx: NodeContext): RestResult {
  const md = ctx.coordinator.applied.metadata;
  const flat = req.query.get('flat_settings') === 'true';
  const render = (s: Record<string, string>): unknown => (flat ? { ...s } : nestSettings(s));
  const body: Record<string, unknown> = { persistent: render(md.persistentSettings), transient: render(md.transientSettings) };
  if (req.query.get('include_defaults') === 'true') {
    body.defaults = render({
      'cluster.name': ctx.config.clusterName,
      'cluster.routing.allocation.enable': 'all',
      'cluster.routing.rebalance.enable': 'all',
      'cluster.max_shards_per_node': '1000',
      'action.destructive_requires_name': 'true',
    });
  }
  return { status: 200, body };
}

/** `GET /_cluster/state[/metrics[/indices]]`, a small subset (coordination metadata included). */
export function clusterState(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const metrics = new Set((req.params.metrics ?? '_all').split(','));
  const all = metrics.has('_all');
  const body: Record<string, unknown> = { cluster_name: s.clusterName, cluster_uuid: s.metadata.clusterUuid };
  if (all || metrics.has('version')) {
    body.version = s.version;
    body.state_uuid = `${s.metadata.clusterUuid.slice(0, 10)}-v${s.version}`;
  }
  if (all || metrics.has('master_node')) body.master_node = s.masterNodeId;
  if (all || metrics.has('nodes')) {
    body.nodes = Object.fromEntries(
      Object.values(s.nodes).map((n) => [
        n.id,
        { name: n.name, ephemeral_id: n.ephemeralId, transport_address: n.transportAddress, external_id: n.name, attributes: n.attributes, roles: n.roles },
      ]),
    );
  }
  if (all || metrics.has('metadata')) {
    body.metadata = {
      cluster_uuid: s.metadata.clusterUuid,
      cluster_uuid_committed: s.metadata.clusterUuidCommitted,
      cluster_coordination: {
        term: s.term,
        last_committed_config: s.votingConfig,
        last_accepted_config: s.votingConfig,
        voting_config_exclusions: [],
      },
      indices: Object.fromEntries(
        Object.values(s.metadata.indices).map((m) => [m.name, { state: 'open', settings: nestSettings(m.settings), in_sync_allocations: Object.fromEntries(m.inSync.map((ids, i) => [String(i), ids])) }]),
      ),
    };
  }
  if (all || metrics.has('routing_table')) {
    body.routing_table = {
      indices: Object.fromEntries(
        Object.entries(s.routing).map(([index, shards]) => [
          index,
          {
            shards: Object.fromEntries(
              shards.map((sh, i) => [
                String(i),
                sh.copies.map((c) => ({ state: c.state, primary: c.primary, node: c.nodeId, shard: i, index })),
              ]),
            ),
          },
        ]),
      ),
    };
  }
  return { status: 200, body };
}
