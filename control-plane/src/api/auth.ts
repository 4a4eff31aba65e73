import type { MiddlewareHandler } from 'hono';
import { HactlError } from '@hactl/shared';
import { grants, requiredScope } from '../trust/policy.js';
import type { Caller, TrustService } from '../trust/service.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Bearer-token authentication and scope check for every REST call but the public ones
 * (policy.ts requiredScope), and the audit trail: every mutating call, allowed or refused, is an
 * `audit` event with the token's name, the call and the HTTP status it got. The caller is kept on
 * the context as `caller`.
 */
export function authMiddleware(trust: TrustService): MiddlewareHandler<{ Variables: { caller: Caller } }> {
  return async (c, next) => {
    const needed = requiredScope(c.req.method, c.req.path);
    if (needed === null) return next();
    const mutating = MUTATING.has(c.req.method);
    let caller: Caller;
    try {
      caller = trust.identify(c.req.header('authorization'));
    } catch (err) {
      if (mutating) trust.audit('anonymous', c.req.method, c.req.path, 401);
      throw err;
    }
    if (!grants(caller.scopes, needed)) {
      if (mutating) trust.audit(caller.name, c.req.method, c.req.path, 403);
      throw new HactlError(
        'permission_denied',
        `token ${caller.name} has scopes [${caller.scopes.join(', ')}]; ${c.req.method} ${c.req.path} needs ${needed}`,
      );
    }
    c.set('caller', caller);
    await next();
    if (mutating) trust.audit(caller.name, c.req.method, c.req.path, c.res.status);
  };
}
