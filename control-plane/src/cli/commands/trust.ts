import { parseLabelArg } from '@hactl/shared/labels';
import { isRecord } from '../api-types.js';
import { ApiError, UsageError } from '../errors.js';
import { EXIT_FAILED } from '../failure.js';
import { escapeControl } from '../text.js';
import type { CommandContext } from './context.js';

function field(body: unknown, key: string): string {
  const v = isRecord(body) ? body[key] : undefined;
  if (typeof v !== 'string')
    throw new ApiError(200, 'bad_response', `the control plane's answer has no ${key}`);
  return v;
}

/**
 * `hactl token create [--ttl 1h] [--uses 10] [--hosts PATTERN]`: a join token (POST /v1/tokens);
 * with `--api NAME --scopes read,write`: an API token. Prints the token alone on stdout (it is
 * shown once) and what it allows on stderr.
 */
export async function runTokenCreate(
  ctx: CommandContext,
  flags: { ttl: string; uses: string; hosts: string; api?: string; scopes?: string },
): Promise<number> {
  if (flags.api !== undefined) {
    if (!flags.scopes)
      throw new UsageError('--api NAME needs --scopes (read, write, exec, admin; comma-separated)');
    const body = await ctx.client.post('/v1/tokens', { kind: 'api', name: flags.api, scopes: flags.scopes });
    ctx.io.stdout(`${field(body, 'token')}\n`);
    ctx.io.stderr(
      `API token ${escapeControl(flags.api)} with scopes ${escapeControl(flags.scopes)}; it is shown only now\n`,
    );
    return 0;
  }
  if (!/^[0-9]{1,5}$/.test(flags.uses)) throw new UsageError('--uses must be a whole number');
  const body = await ctx.client.post('/v1/tokens', {
    kind: 'join',
    ttl: flags.ttl,
    uses: Number(flags.uses),
    hosts: flags.hosts,
  });
  ctx.io.stdout(`${field(body, 'token')}\n`);
  ctx.io.stderr(
    `join token for hosts ${escapeControl(flags.hosts)}, ${flags.uses} use(s), expires ${escapeControl(field(body, 'expiresAt'))}; CA SHA-256 ${escapeControl(field(body, 'caSha256'))}\n`,
  );
  return 0;
}

/** `hactl install-command --name N --address A [--label k=v]…`: prints the one-line install (POST /v1/install-command). */
export async function runInstallCommand(
  ctx: CommandContext,
  flags: { name: string; address: string; label: string[] },
): Promise<number> {
  const labels: Record<string, string> = {};
  for (const l of flags.label) {
    // Checked here as well: `__proto__` would vanish from this object before the control plane saw it.
    const label = parseLabelArg(l);
    if ('problem' in label) throw new UsageError(`--label: ${label.problem}`);
    labels[label.key] = label.value;
  }
  const body = await ctx.client.post('/v1/install-command', {
    name: flags.name,
    address: flags.address,
    labels,
  });
  ctx.io.stdout(`${field(body, 'command')}\n`);
  ctx.io.stderr(
    `run it as root on ${escapeControl(flags.name)}; its token is for that name only, single use, until ${escapeControl(field(body, 'expiresAt'))}\n`,
  );
  return 0;
}

/**
 * `hactl delete host NAME --yes`: DELETE /v1/hosts/NAME (ends its stream, revokes its certificate).
 * Without --yes it asks the control plane for a dry run, which runs the delete's own check: when a
 * cluster uses the host it says the delete would be refused and why (naming the clusters) and exits
 * 1, as the delete would; otherwise it says what deleting does and exits 2.
 */
export async function runDeleteHost(
  ctx: CommandContext,
  name: string,
  flags: { yes?: boolean },
): Promise<number> {
  const path = `/v1/hosts/${encodeURIComponent(name)}`;
  if (!flags.yes) {
    try {
      await ctx.client.delete(`${path}?dryRun=true`);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'conflict')) throw err;
      ctx.io.stderr(
        `host/${escapeControl(name)}: the delete would be refused: ${escapeControl(err.message)}\n`,
      );
      return EXIT_FAILED;
    }
    ctx.io.stderr(
      `host/${escapeControl(name)}: deleting it disconnects its agent and revokes its certificate (it must enroll again with a new token); add --yes to delete\n`,
    );
    return 2;
  }
  await ctx.client.delete(path);
  ctx.io.stdout(`host/${escapeControl(name)} deleted; its certificate is revoked\n`);
  return 0;
}
