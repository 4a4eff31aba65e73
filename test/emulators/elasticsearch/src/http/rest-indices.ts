import { UNKNOWN_UUID, type IndexMeta } from '../cluster-state.js';
import { L } from '../log.js';
import type { NodeContext } from '../node-context.js';
import { parseTimeValue } from '../time-value.js';
import { ES_VERSION, TAGLINE } from '../version.js';
import { EsError, illegalArgument, indexNotFound } from './errors.js';
import { timeParam, waitForState } from './rest-cluster.js';
import type { RestRequest, RestResult } from './router.js';
import { flattenBody, nestSettings } from './settings-body.js';

/** `GET /` (service-facts 4.3): answers without a master; `cluster_uuid` is `_na_` until joined. */
export function root(_req: RestRequest, ctx: NodeContext): RestResult {
  const md = ctx.coordinator.applied.metadata;
  return {
    status: 200,
    body: {
      name: ctx.config.nodeName,
      cluster_name: ctx.config.clusterName,
      cluster_uuid: md.clusterUuidCommitted ? md.clusterUuid : UNKNOWN_UUID,
      version: { ...ES_VERSION },
      tagline: TAGLINE,
    },
  };
}

function resolve(ctx: NodeContext, expr: string | undefined): string[] {
  const all = Object.keys(ctx.coordinator.applied.metadata.indices).sort();
  if (expr === undefined || expr === '_all' || expr === '*') return all;
  const out: string[] = [];
  for (const part of expr.split(',')) {
    if (part.includes('*')) {
      const re = new RegExp('^' + part.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
      out.push(...all.filter((i) => re.test(i)));
    } else if (all.includes(part)) out.push(part);
    else throw indexNotFound(part);
  }
  return [...new Set(out)];
}

/**
 * `POST /_flush`, `POST /{index}/_flush`: a broadcast over shard copies; `total` counts every
 * configured copy, `successful` the started ones, unassigned copies are not failures.
 */
export function flush(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  let total = 0;
  let ok = 0;
  for (const name of resolve(ctx, req.params.index)) {
    const m = s.metadata.indices[name]!;
    total += m.numberOfShards * (m.numberOfReplicas + 1);
    for (const sh of s.routing[name] ?? []) ok += sh.copies.filter((c) => c.state === 'STARTED').length;
  }
  return { status: 200, body: { _shards: { total, successful: ok, failed: 0 } } };
}

const INDEX_NAME_BAD = /[\\/*?"<>| ,#:]/;

function checkIndexName(name: string): void {
  const bad = (why: string): EsError => new EsError(400, 'invalid_index_name_exception', `Invalid index name [${name}], ${why}`, { 'index_uuid': '_na_', index: name });
  if (name !== name.toLowerCase()) throw bad('must be lowercase');
  if (INDEX_NAME_BAD.test(name)) throw bad('must not contain the following characters [\'\\\\\', \'/\', \'*\', \'?\', \'"\', \'<\', \'>\', \'|\', \' \', \',\', \'#\', \':\']');
  if (/^[-_+]/.test(name)) throw bad("must not start with '_', '-', or '+'");
  if (name === '.' || name === '..') throw bad("must not be '.' or '..'");
}

/** Index settings given flat, nested, with or without the `index.` prefix. */
function indexSettings(body: unknown): Record<string, string> {
  const flat = flattenBody(body);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (v === null) continue;
    out[k.startsWith('index.') ? k : `index.${k}`] = v;
  }
  return out;
}

function intSetting(settings: Record<string, string>, key: string, def: number, min: number): number {
  const v = settings[key];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n)) throw illegalArgument(`Failed to parse value [${v}] for setting [${key}]`);
  if (n < min) throw illegalArgument(`Failed to parse value [${v}] for setting [${key}] must be >= ${min}`);
  return n;
}

/** `PUT /{index}`: shards and replicas default to 1; waits for the primaries (wait_for_active_shards=1). */
export async function createIndex(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const name = req.params.index!;
  checkIndexName(name);
  const existing = ctx.coordinator.applied.metadata.indices[name];
  if (existing) {
    throw new EsError(400, 'resource_already_exists_exception', `index [${name}/${existing.uuid}] already exists`, { index_uuid: existing.uuid, index: name });
  }
  const body = (req.body ?? {}) as { settings?: unknown };
  const settings = indexSettings(body.settings);
  const shards = intSetting(settings, 'index.number_of_shards', 1, 1);
  const replicas = intSetting(settings, 'index.number_of_replicas', 1, 0);
  const delayed = settings['index.unassigned.node_left.delayed_timeout'];
  if (delayed !== undefined) parseTimeValue(delayed, 'index.unassigned.node_left.delayed_timeout');
  settings['index.number_of_shards'] = String(shards);
  settings['index.number_of_replicas'] = String(replicas);
  const meta: IndexMeta = {
    name,
    uuid: ctx.newUuid(),
    creationDate: ctx.now(),
    numberOfShards: shards,
    numberOfReplicas: replicas,
    settings,
    inSync: Array.from({ length: shards }, () => []),
  };
  await ctx.coordinator.submit(`create-index [${name}], cause [api]`, (s) => {
    if (s.metadata.indices[name]) throw new EsError(400, 'resource_already_exists_exception', `index [${name}/${s.metadata.indices[name]!.uuid}] already exists`);
    return { ...s, metadata: { ...s.metadata, indices: { ...s.metadata.indices, [name]: meta } } };
  });
  ctx.logger.info(L.metadataCreate, `[${name}] creating index, cause [api], templates [], shards [${shards}]/[${replicas}]`);
  const wanted = req.query.get('wait_for_active_shards') ?? '1';
  const need = wanted === 'all' ? shards * (replicas + 1) : Number(wanted) * shards;
  const acked = await waitForState(
    ctx,
    (s) => (s.routing[name] ?? []).reduce((n, sh) => n + sh.copies.filter((c) => c.state === 'STARTED').length, 0) >= Math.min(need, shards * (replicas + 1)),
    timeParam(req, 'timeout', 30_000),
  );
  return { status: 200, body: { acknowledged: true, shards_acknowledged: acked, index: name } };
}

export async function deleteIndex(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const expr = req.params.index!;
  if ((expr === '_all' || expr.includes('*')) && (ctx.coordinator.applied.metadata.persistentSettings['action.destructive_requires_name'] ?? 'true') === 'true') {
    throw illegalArgument('Wildcard expressions or all indices are not allowed');
  }
  const names = resolve(ctx, expr);
  await ctx.coordinator.submit(`delete-index [${names.join(', ')}]`, (s) => {
    const indices = { ...s.metadata.indices };
    for (const n of names) delete indices[n];
    return { ...s, metadata: { ...s.metadata, indices } };
  });
  return { status: 200, body: { acknowledged: true } };
}

export function getIndex(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  const names = resolve(ctx, req.params.index);
  if (req.method === 'HEAD') return { status: 200, body: '' };
  return {
    status: 200,
    body: Object.fromEntries(
      names.map((n) => {
        const m = s.metadata.indices[n]!;
        return [n, { aliases: {}, mappings: {}, settings: settingsView(m) }];
      }),
    ),
  };
}

function settingsView(m: IndexMeta): Record<string, unknown> {
  return nestSettings({
    ...m.settings,
    'index.uuid': m.uuid,
    'index.creation_date': String(m.creationDate),
    'index.provided_name': m.name,
    'index.version.created': '8521000',
    'index.routing.allocation.include._tier_preference': m.settings['index.routing.allocation.include._tier_preference'] ?? 'data_content',
  });
}

export function getIndexSettings(req: RestRequest, ctx: NodeContext): RestResult {
  const s = ctx.coordinator.applied;
  return { status: 200, body: Object.fromEntries(resolve(ctx, req.params.index).map((n) => [n, { settings: settingsView(s.metadata.indices[n]!) }])) };
}

const FINAL_INDEX_SETTINGS = ['index.number_of_shards', 'index.number_of_routing_shards', 'index.routing_partition_size'];

/** `PUT /{index}/_settings`: replicas, delayed timeout, allocation filters can change; shard count cannot. */
export async function putIndexSettings(req: RestRequest, ctx: NodeContext): Promise<RestResult> {
  const names = resolve(ctx, req.params.index);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const update = flattenBody('settings' in body && Object.keys(body).length === 1 ? body.settings : body);
  for (const [k0, v] of Object.entries(update)) {
    const k = k0.startsWith('index.') ? k0 : `index.${k0}`;
    if (FINAL_INDEX_SETTINGS.includes(k)) throw illegalArgument(`final ${names[0]} setting [${k}], not updateable`);
    if (k === 'index.number_of_replicas' && v !== null) intSetting({ [k]: v }, k, 1, 0);
  }
  await ctx.coordinator.submit(`update-settings [${names.join(', ')}]`, (s) => {
    const indices = { ...s.metadata.indices };
    for (const n of names) {
      const m = structuredClone(indices[n]!);
      for (const [k0, v] of Object.entries(update)) {
        const k = k0.startsWith('index.') ? k0 : `index.${k0}`;
        if (v === null) delete m.settings[k];
        else m.settings[k] = v;
      }
      m.numberOfReplicas = Number(m.settings['index.number_of_replicas'] ?? '1');
      indices[n] = m;
    }
    return { ...s, metadata: { ...s.metadata, indices } };
  });
  return { status: 200, body: { acknowledged: true } };
}
