import { isRecord } from '../api-types.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';

/** `hactl delete cluster NAME`: DELETE /v1/clusters/{name}. */
export async function runDeleteCluster(ctx: CommandContext, name: string): Promise<number> {
  const body = await ctx.client.delete(`/v1/clusters/${encodeURIComponent(name)}`);
  const shown = isRecord(body) && typeof body.name === 'string' ? body.name : name;
  ctx.io.stdout(`cluster/${escapeControl(shown)} deleted\n`);
  return 0;
}
