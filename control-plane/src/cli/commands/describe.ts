import { checkClusterDetail } from '../api-types.js';
import { renderRaw } from '../output.js';
import { renderClusterDetail } from '../views.js';
import type { CommandContext, OutputFlags } from './context.js';

/** `hactl describe cluster NAME`: GET /v1/clusters/{name}. */
export async function runDescribeCluster(
  ctx: CommandContext,
  name: string,
  flags: OutputFlags,
): Promise<number> {
  const body = await ctx.client.get(`/v1/clusters/${encodeURIComponent(name)}`);
  const cluster = checkClusterDetail(body);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout(await renderRaw(body, flags.output));
  } else {
    ctx.io.stdout(
      renderClusterDetail(cluster, { now: ctx.io.now(), wide: flags.output === 'wide', color: ctx.color }),
    );
  }
  return 0;
}
