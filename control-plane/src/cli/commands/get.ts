import { notFoundAmong } from '@hactl/shared/errors';
import { checkClusterList, checkHostList, isRecord } from '../api-types.js';
import { renderRaw } from '../output.js';
import { clusterHints, renderClusters, renderHosts } from '../views.js';
import type { CommandContext, OutputFlags } from './context.js';

/**
 * The items of a listing that `names` name, in the listing's order (all of them when `names` is
 * empty), with the raw items beside them for -o json|yaml. Throws NotFoundError for the first name
 * that matches none, saying which exist (sorted). Pure.
 */
export function pickNamed<T extends { name: string }>(
  what: 'host' | 'cluster',
  items: readonly T[],
  raw: readonly unknown[],
  names: readonly string[],
): { items: T[]; raw: unknown[] } {
  if (!names.length) return { items: [...items], raw: [...raw] };
  const missing = names.find((n) => !items.some((i) => i.name === n));
  if (missing !== undefined)
    throw notFoundAmong(
      what,
      missing,
      items.map((i) => i.name),
    );
  const keep = items.map((i) => names.includes(i.name));
  return { items: items.filter((_, k) => keep[k]), raw: raw.filter((_, k) => keep[k]) };
}

/** The raw list under `key` of a listing's body ([] when it has none: the check above refused it). */
function rawList(body: unknown, key: string): unknown[] {
  const list = isRecord(body) ? body[key] : undefined;
  return Array.isArray(list) ? list : [];
}

/** `hactl get hosts [NAME...]`: GET /v1/hosts, the named hosts only when names are given. */
export async function runGetHosts(
  ctx: CommandContext,
  flags: OutputFlags,
  names: readonly string[] = [],
): Promise<number> {
  const body = await ctx.client.get('/v1/hosts');
  const { items: hosts, raw } = pickNamed('host', checkHostList(body), rawList(body, 'hosts'), names);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(names.length ? { hosts: raw } : body, flags.output));
  } else if (hosts.length === 0) {
    ctx.io.stderr('No hosts found.\n');
  } else {
    ctx.io.stdout(renderHosts(hosts, { now: ctx.io.now(), wide: flags.output === 'wide', color: ctx.color }));
  }
  return 0;
}

/** `hactl get clusters [NAME...]`: GET /v1/clusters, the named clusters only when names are given. */
export async function runGetClusters(
  ctx: CommandContext,
  flags: OutputFlags,
  names: readonly string[] = [],
): Promise<number> {
  const body = await ctx.client.get('/v1/clusters');
  const { items: clusters, raw } = pickNamed(
    'cluster',
    checkClusterList(body),
    rawList(body, 'clusters'),
    names,
  );
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(names.length ? { clusters: raw } : body, flags.output));
  } else if (clusters.length === 0) {
    ctx.io.stderr('No clusters found.\n');
  } else {
    ctx.io.stdout(
      renderClusters(clusters, { now: ctx.io.now(), wide: flags.output === 'wide', color: ctx.color }),
    );
    const hints = clusterHints(clusters);
    if (hints) ctx.io.stderr(hints);
  }
  return 0;
}
