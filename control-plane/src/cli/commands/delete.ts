import type { DeletePreview } from '../../api/contract.js';
import { isRecord } from '../api-types.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';
import { changeHeaders } from './headers.js';

function checkAnswer(body: unknown, name: string): DeletePreview {
  const instances =
    isRecord(body) && Array.isArray(body.instances) ? (body.instances as DeletePreview['instances']) : [];
  return { name: isRecord(body) && typeof body.name === 'string' ? body.name : name, instances };
}

/** What deleting stops and what it leaves on disk. */
function describe(a: DeletePreview, done: boolean): string {
  const lines = [
    done
      ? `cluster/${escapeControl(a.name)} deleted: ${a.instances.length} member(s) stopped`
      : `cluster/${escapeControl(a.name)}: deleting it stops ${a.instances.length} member(s) and forgets the cluster and its revisions`,
  ];
  for (const i of a.instances) lines.push(`  ${escapeControl(i.instance)} on ${escapeControl(i.host)}`);
  if (a.instances.some((i) => i.dirs.length)) {
    lines.push(`Their data stays on disk (hactl never deletes it; remove it by hand once it is not needed):`);
    for (const i of a.instances)
      for (const d of i.dirs) lines.push(`  ${escapeControl(i.host)}:${escapeControl(d)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * `hactl delete cluster NAME [--dry-run] [--yes]`: without --yes only shows what would be stopped
 * and left on disk (asking the control plane, which refuses exactly as the delete would) and exits
 * 2; --dry-run shows it and exits 0; --yes deletes.
 */
export async function runDeleteCluster(
  ctx: CommandContext,
  name: string,
  flags: { yes?: boolean; dryRun?: boolean },
): Promise<number> {
  const path = `/v1/clusters/${encodeURIComponent(name)}`;
  if (flags.dryRun || !flags.yes) {
    const preview = checkAnswer(await ctx.client.delete(`${path}?dryRun=true`), name);
    ctx.io.stdout(describe(preview, false));
    if (flags.dryRun) {
      ctx.io.stderr('dry run: nothing was deleted\n');
      return EXIT_OK;
    }
    throw new UsageError(`not deleted: add --yes to delete cluster/${name} (or --dry-run to only show this)`);
  }
  ctx.io.stdout(describe(checkAnswer(await ctx.client.delete(path, changeHeaders(ctx)), name), true));
  return EXIT_OK;
}
