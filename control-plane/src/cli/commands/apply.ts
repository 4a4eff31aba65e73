import { checkPutResult } from '../api-types.js';
import { InputError, UsageError } from '../errors.js';
import { EXIT_OK, renderFailure } from '../failure.js';
import { parseSpecSources, type SpecSource } from '../spec-docs.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';

export interface ApplyFlags {
  file: string[];
  dryRun?: boolean;
  /** commander's --no-rollout sets this to false. */
  rollout?: boolean;
}

interface Preview {
  changed: boolean;
  nextRevision: number;
  instances: { instance: string; host: string; change: string; restart: boolean; files: { path: string; diff: string[] }[] }[];
  restartOrder: string[];
  notes?: string[];
}

const STDIN = '-';

/**
 * `hactl apply -f FILE...`: PUT /v1/clusters/{name} for every document, in file and document order.
 * Every file is read and every document parsed and checked before the first request, so a typo in the
 * third document never leaves the first two applied. Stops at the first server error: later documents
 * may depend on the failed one (a Kafka cluster naming its ZooKeeper cluster).
 */
export async function runApply(ctx: CommandContext, flags: ApplyFlags): Promise<number> {
  if (flags.file.filter((f) => f === STDIN).length > 1) throw new UsageError('"-f -" (stdin) may be given only once');
  const sources = await readSources(ctx, flags.file);
  const { docs, problems } = parseSpecSources(sources);
  if (problems.length > 0) throw new InputError(`the input has ${problems.length} problem(s); nothing was sent`, problems);
  if (docs.length === 0) throw new InputError(`no cluster specs found in ${flags.file.join(', ')}; nothing was sent`);

  if (flags.dryRun) {
    for (const d of docs) {
      const p = (await ctx.client.put(`/v1/clusters/${encodeURIComponent(d.name)}?dryRun=true`, d.spec)) as Preview;
      const out = [`cluster/${escapeControl(d.name)}: ${p.changed ? `would become revision ${p.nextRevision}` : 'unchanged'}`];
      for (const i of p.instances) {
        if (i.change === 'none') continue;
        out.push(`  ${i.change} ${escapeControl(i.instance)} on ${escapeControl(i.host)}${i.restart ? ' (restart needed)' : ''}`);
        for (const f of i.files) out.push(`    ${escapeControl(f.path)}`, ...f.diff.map((l) => `      ${escapeControl(l)}`));
      }
      if (p.restartOrder.length) out.push(`  rolling restart order: ${p.restartOrder.map(escapeControl).join(' → ')}`);
      for (const n of p.notes ?? []) out.push(`  note: ${escapeControl(n)}`);
      ctx.io.stdout(out.join('\n') + '\n');
    }
    ctx.io.stderr(`dry run: ${docs.length} cluster spec(s) validated by the control plane; nothing was stored.\n`);
    return EXIT_OK;
  }

  const applied: string[] = [];
  for (const [i, d] of docs.entries()) {
    const label = `cluster/${escapeControl(d.name)}`;
    try {
      const raw = await ctx.client.put(`/v1/clusters/${encodeURIComponent(d.name)}${flags.rollout === false ? '?rollout=false' : ''}`, d.spec);
      const res = checkPutResult(raw);
      ctx.io.stdout(`cluster/${escapeControl(res.name)} ${res.changed ? 'configured' : 'unchanged'} (revision ${res.revision})\n`);
      const extra = raw as { rollout?: string; restartOrder?: string[]; restartPending?: string[] };
      if (extra.rollout) ctx.io.stdout(`  rollout/${extra.rollout}: rolling restart ${extra.restartOrder?.map(escapeControl).join(' → ')} (hactl rollout status ${extra.rollout} -w)\n`);
      if (extra.restartPending?.length) ctx.io.stdout(`  restart pending (no rollout): ${extra.restartPending.map(escapeControl).join(', ')}\n`);
      applied.push(`cluster/${escapeControl(res.name)}`);
    } catch (err) {
      const f = renderFailure(err, `applying ${label} from ${escapeControl(d.origin)}`);
      const rest = docs.slice(i + 1).map((x) => `cluster/${escapeControl(x.name)}`);
      ctx.io.stderr(
        f.text +
          (applied.length > 0 ? `applied before the error: ${applied.join(', ')}\n` : 'nothing was applied before the error\n') +
          (rest.length > 0 ? `not attempted: ${rest.join(', ')}\n` : ''),
      );
      return f.exitCode;
    }
  }
  return EXIT_OK;
}

async function readSources(ctx: CommandContext, files: readonly string[]): Promise<SpecSource[]> {
  const out: SpecSource[] = [];
  for (const f of files) {
    const name = f === STDIN ? '<stdin>' : f;
    try {
      out.push({ name, text: f === STDIN ? await ctx.io.readStdin() : await ctx.io.readFile(f) });
    } catch (err) {
      throw new InputError(`cannot read ${name}: ${err instanceof Error ? err.message : String(err)}; nothing was sent`);
    }
  }
  return out;
}
