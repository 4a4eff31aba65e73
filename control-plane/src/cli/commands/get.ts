import { checkClusterList, checkHostList } from '../api-types.js';
import { renderRaw } from '../output.js';
import { renderClusters, renderHosts } from '../views.js';
import type { CommandContext, OutputFlags } from './context.js';

/** `hactl get hosts`: GET /v1/hosts. */
export async function runGetHosts(ctx: CommandContext, flags: OutputFlags): Promise<number> {
  const body = await ctx.client.get('/v1/hosts');
  const hosts = checkHostList(body);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
  } else if (hosts.length === 0) {
    ctx.io.stderr('No hosts found.\n');
  } else {
    ctx.io.stdout(renderHosts(hosts, { now: ctx.io.now(), wide: flags.output === 'wide', color: ctx.color }));
  }
  return 0;
}

/** `hactl get clusters`: GET /v1/clusters. */
export async function runGetClusters(ctx: CommandContext, flags: OutputFlags): Promise<number> {
  const body = await ctx.client.get('/v1/clusters');
  const clusters = checkClusterList(body);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
  } else if (clusters.length === 0) {
    ctx.io.stderr('No clusters found.\n');
  } else {
    ctx.io.stdout(
      renderClusters(clusters, { now: ctx.io.now(), wide: flags.output === 'wide', color: ctx.color }),
    );
  }
  return 0;
}
