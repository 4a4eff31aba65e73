import type { CommandContext } from './context.js';

/**
 * Who makes a change, for the revision history and the event log: the local user name (the token
 * only says which credential was used; the audit events record its name beside). Header values are
 * ASCII without control characters, so anything else is replaced.
 */
export function changeHeaders(ctx: Pick<CommandContext, 'io'>): Record<string, string> {
  const user = (ctx.io.env.USER || ctx.io.env.LOGNAME || '').replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
  return user ? { 'x-hactl-author': `${user} (hactl)` } : { 'x-hactl-author': 'hactl' };
}
