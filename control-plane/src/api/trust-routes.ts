import type { Hono } from 'hono';
import { HOST_RE, ValidationError, parseJsonInput } from '@hactl/shared';
import type { Fleet } from '../reconcile/fleet.js';
import { flag } from './query.js';
import { parseScopes } from '../trust/policy.js';
import type { Caller, TrustService } from '../trust/service.js';

/** Durations as `hactl token create --ttl` takes them: 90s, 30m, 1h, 7d. */
export function parseDuration(text: string, field: string): number {
  const m = /^([0-9]{1,6})(s|m|h|d)$/.exec(text);
  if (!m)
    throw new ValidationError('invalid duration', [
      { path: field, message: 'must be N followed by s, m, h or d (e.g. 1h)' },
    ]);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

async function body(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  const v = text.trim() ? parseJsonInput(text, 'request body') : {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ValidationError('invalid request', [{ path: '', message: 'must be a JSON object' }]);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, fallback?: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string')
    throw new ValidationError('invalid request', [{ path: key, message: 'must be a string' }]);
  return v;
}

/**
 * The trust routes: `POST /v1/tokens` (join tokens for enrollment, or API tokens with scopes) and
 * `DELETE /v1/hosts/:name` (ends the host's stream, deletes it and revokes its certificate).
 */
export function addTrustRoutes(
  app: Hono<{ Variables: { caller: Caller } }>,
  deps: { trust: TrustService; fleet: Fleet },
): void {
  const { trust, fleet } = deps;
  /** The calling token's name and scopes (the console shows only the actions they allow). */
  app.get('/v1/whoami', (c) => {
    const caller = c.get('caller');
    return c.json({ name: caller.name, scopes: caller.scopes });
  });
  app.post('/v1/tokens', async (c) => {
    const b = await body(c.req.raw);
    const kind = str(b, 'kind', 'join');
    if (kind === 'api') {
      const name = str(b, 'name');
      const { scopes, unknown } = parseScopes(str(b, 'scopes'));
      if (unknown.length)
        throw new ValidationError('invalid token request', [
          { path: 'scopes', message: `unknown scopes ${unknown.join(', ')}; use read, write, exec, admin` },
        ]);
      return c.json({ kind, name, scopes, token: trust.createApiToken(name, scopes) }, 201);
    }
    if (kind !== 'join')
      throw new ValidationError('invalid token request', [{ path: 'kind', message: 'must be join or api' }]);
    const uses = b.uses ?? 1;
    if (typeof uses !== 'number')
      throw new ValidationError('invalid token request', [{ path: 'uses', message: 'must be a number' }]);
    const t = trust.createJoinToken({
      ttlMs: parseDuration(str(b, 'ttl', '1h'), 'ttl'),
      uses,
      hosts: str(b, 'hosts', '*'),
      createdBy: c.get('caller').name,
    });
    return c.json(
      {
        kind,
        id: t.id,
        token: t.token,
        expiresAt: new Date(t.expiresAt).toISOString(),
        caSha256: trust.caInfo().caSha256,
      },
      201,
    );
  });

  app.delete('/v1/hosts/:name', (c) => {
    const name = c.req.param('name');
    if (!HOST_RE.test(name))
      throw new ValidationError('invalid host name', [{ path: 'name', message: 'must be a host name' }]);
    // The preview runs the delete's own check, so it refuses (409, naming the clusters) alike.
    if (flag(c.req.query('dryRun'), 'dryRun')) {
      fleet.checkHostDelete(name);
      return c.json({ deleted: false, dryRun: true, host: name });
    }
    fleet.deleteHost(name, { author: c.get('caller').name });
    trust.revokeHost(name);
    return c.json({ deleted: true, host: name });
  });
}
