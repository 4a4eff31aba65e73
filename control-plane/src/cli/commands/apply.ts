import { MAX_BODY_BYTES } from '../../api/limits.js';
import { isRecord } from '../api-types.js';
import { ApiError, InputError, UsageError } from '../errors.js';
import { EXIT_OK } from '../failure.js';
import { InputTooLargeError } from '../read-capped.js';
import { parseSpecSources, type SpecDocument, type SpecSource } from '../spec-docs.js';
import { escapeControl } from '../text.js';
import type { AppliedCluster, ClusterPreviewView } from '../../api/contract.js';
import type { CommandContext } from './context.js';
import { changeHeaders } from './headers.js';
import { rolloutChoices, type RolloutChoiceFlags } from './rollout-choices.js';

export interface ApplyFlags extends RolloutChoiceFlags {
  file: string[];
  dryRun?: boolean;
  /** commander's --no-rollout sets this to false. */
  rollout?: boolean;
  message?: string;
  /** Removed members are stopped even when their kind's pre-stop check refuses (Kafka replicas). */
  forceRemoval?: boolean;
}

const STDIN = '-';

/**
 * `hactl apply -f FILE...`: every file is read and every document parsed locally first; any problem
 * in any document is reported (all of them) and nothing is sent. Then all documents go to the
 * control plane in one request (POST /v1/apply), which validates each against the fleet and the
 * documents before it (a Kafka cluster may name a ZooKeeper cluster of the same file) and stores
 * all of them or none. `--dry-run` sends the same request with ?dryRun=true.
 */
export async function runApply(ctx: CommandContext, flags: ApplyFlags): Promise<number> {
  if (flags.file.filter((f) => f === STDIN).length > 1)
    throw new UsageError('"-f -" (stdin) may be given only once');
  const sources = await readSources(ctx, flags.file);
  const { docs, problems } = parseSpecSources(sources);
  if (problems.length > 0)
    throw new InputError(`the input has ${problems.length} problem(s); nothing was sent`, problems);
  if (docs.length === 0)
    throw new InputError(`no cluster specs found in ${flags.file.join(', ')}; nothing was sent`);

  const choices = Object.entries(rolloutChoices(flags));
  if (flags.rollout === false && choices.length)
    throw new UsageError(
      '--gate-timeout, --on-gate-timeout and --pause-between choose how the rollout runs; with --no-rollout none starts (give them to hactl rollout start)',
    );
  const params = flags.dryRun
    ? ['dryRun=true']
    : [
        ...(flags.rollout === false ? ['rollout=false'] : []),
        ...(flags.forceRemoval ? ['forceRemoval=true'] : []),
        ...choices.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`),
      ];
  const query = params.length ? `?${params.join('&')}` : '';
  const body = { clusters: docs.map((d) => d.spec), ...(flags.message ? { message: flags.message } : {}) };
  const bytes = Buffer.byteLength(JSON.stringify(body));
  if (bytes > MAX_BODY_BYTES)
    throw new InputError(
      `the specs come to ${formatSize(bytes)} as JSON; the control plane accepts at most ${formatSize(MAX_BODY_BYTES)} per request: split them over several hactl apply calls; nothing was sent`,
    );
  let answer: unknown;
  try {
    answer = await ctx.client.post(`/v1/apply${query}`, body, changeHeaders(ctx));
  } catch (err) {
    throw withOrigins(err, docs);
  }
  const clusters = isRecord(answer) && Array.isArray(answer.clusters) ? (answer.clusters as unknown[]) : [];
  if (flags.dryRun) {
    let warnings = 0;
    for (const p of clusters as ClusterPreviewView[]) {
      ctx.io.stdout(renderPreview(p));
      warnings += p.warnings?.length ?? 0;
    }
    ctx.io.stderr(
      `dry run: ${docs.length} cluster spec(s) validated by the control plane; nothing was stored.` +
        (warnings ? ` ${warnings} warning(s): read them before applying.` : '') +
        '\n',
    );
    return EXIT_OK;
  }
  for (const r of clusters as AppliedCluster[]) {
    ctx.io.stdout(
      `cluster/${escapeControl(r.name)} ${r.changed ? 'configured' : 'unchanged'} (revision ${r.revision})\n`,
    );
    if (r.rollout && r.membershipSteps)
      ctx.io.stdout(
        `  rollout/${r.rollout}: membership change in ${r.membershipSteps.length} step(s) (hactl rollout status ${r.rollout} -w)\n` +
          r.membershipSteps.map((l) => `    ${escapeControl(l)}\n`).join(''),
      );
    else if (r.rollout)
      ctx.io.stdout(
        `  rollout/${r.rollout}: rolling restart ${r.restartOrder?.map(escapeControl).join(' → ')} (hactl rollout status ${r.rollout} -w)\n`,
      );
    for (const line of caveatLines(r)) ctx.io.stdout(`${line}\n`);
    if (r.restartPending?.length) {
      ctx.io.stdout(
        `  restart pending (no rollout): ${r.restartPending.map(escapeControl).join(', ')}; restart them with: hactl rollout start ${escapeControl(r.name)} --action apply\n`,
      );
    }
  }
  return EXIT_OK;
}

/** The dry-run text for one cluster: changes per member, distribution moves with each host's answer, order, notes, warnings. */
export function renderPreview(p: ClusterPreviewView): string {
  const out = [
    `cluster/${escapeControl(p.name)}: ${p.changed ? `would become revision ${p.nextRevision}` : 'unchanged'}`,
  ];
  for (const i of p.instances) {
    if (i.change === 'none') continue;
    out.push(
      `  ${i.change} ${escapeControl(i.instance)} on ${escapeControl(i.host)}${i.restart ? ' (restart needed)' : ''}`,
    );
    const d = i.distribution;
    if (d && (d.changed || i.change === 'add')) {
      const move =
        d.from !== undefined && d.from !== d.to
          ? `${escapeControl(d.from)} → ${escapeControl(d.to)}`
          : escapeControl(d.to);
      const check = d.check
        ? ` (${escapeControl(i.host)}: ${d.check.checked && d.check.ok && !d.check.packageMissing ? 'present' : escapeControl(d.check.detail)})`
        : '';
      out.push(`    distribution: ${move}${check}`);
    }
    for (const f of i.files)
      out.push(`    ${escapeControl(f.path)}`, ...f.diff.map((l) => `      ${escapeControl(l)}`));
  }
  if (p.restartOrder.length)
    out.push(`  rolling restart order: ${p.restartOrder.map(escapeControl).join(' → ')}`);
  if (p.membershipSteps?.length)
    out.push(
      `  membership change, one step at a time through the restart-lease gates:`,
      ...p.membershipSteps.map((l) => `    ${escapeControl(l)}`),
    );
  out.push(...caveatLines(p));
  return out.join('\n') + '\n';
}

/** The kind's notes, then validation's warnings, one indented line each: an apply's answer and a dry run alike. */
function caveatLines(c: { notes?: string[]; warnings?: string[] }): string[] {
  return [
    ...(c.notes ?? []).map((n) => `  note: ${escapeControl(n)}`),
    ...(c.warnings ?? []).map((w) => `  warning: ${escapeControl(w)}`),
  ];
}

/**
 * The control plane names a document's problems `clusters[i].<path>`; say which file, line and
 * document that is, as the local checks do: the line where the field is written (or its nearest
 * written parent, for a field left out).
 */
function withOrigins(err: unknown, docs: readonly SpecDocument[]): unknown {
  if (!(err instanceof ApiError) || err.details.length === 0) return err;
  const details = err.details.map((d) => {
    const m = /^clusters\[(\d+)\](?:\.(.*))?$/.exec(d.path);
    const doc = m ? docs[Number(m[1])] : undefined;
    if (!m || !doc) return d;
    return { path: m[2] ? `${doc.fieldOrigin(m[2])}: ${m[2]}` : doc.origin, message: d.message };
  });
  return new ApiError(err.status, err.code, err.message, details);
}

/**
 * Reads every spec file, each at most as large as one request may be: a larger file is refused by
 * its size before it is read (issue 16 #10), with exit code 2 like any invalid input.
 */
async function readSources(ctx: CommandContext, files: readonly string[]): Promise<SpecSource[]> {
  const out: SpecSource[] = [];
  for (const f of files) {
    const name = f === STDIN ? '<stdin>' : f;
    try {
      out.push({
        name,
        text: f === STDIN ? await ctx.io.readStdin(MAX_BODY_BYTES) : await ctx.io.readFile(f, MAX_BODY_BYTES),
      });
    } catch (err) {
      if (err instanceof InputTooLargeError) {
        // Exact bytes next to the rounded size: 1.0 MiB over a 1.0 MiB cap reads as a contradiction.
        const size =
          err.size === undefined
            ? `more than ${formatSize(err.maxBytes)}`
            : `${formatSize(err.size)} (${err.size} bytes)`;
        throw new InputError(
          `${name} is ${size}; the control plane accepts at most ${formatSize(err.maxBytes)} (${err.maxBytes} bytes) of specs per request, so it was not read; nothing was sent`,
        );
      }
      throw new InputError(
        `cannot read ${name}: ${err instanceof Error ? err.message : String(err)}; nothing was sent`,
      );
    }
  }
  return out;
}

/** 1048576 → "1.0 MiB", 31457280 → "30.0 MiB". */
function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
