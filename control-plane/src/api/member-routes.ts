import type { Hono } from 'hono';
import { HOST_RE, NAME_RE, ValidationError, parseJsonInput } from '@hactl/shared';
import type { MemberActions } from '../actions/member-actions.js';
import type { Caller } from '../trust/service.js';

/** A member's name inside its cluster (`zk-1`, `kafka-2`, `nimbus-storm1`, an ES node name). */
const MEMBER_RE = /^[A-Za-z0-9._-]{1,255}$/;

/** Longest reason an action records. */
const MAX_REASON = 500;

function clusterParam(v: string): string {
  if (!NAME_RE.test(v))
    throw new ValidationError('invalid cluster name', [
      {
        path: 'name',
        message: 'must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
      },
    ]);
  return v;
}

function memberParam(v: string): string {
  if (!MEMBER_RE.test(v) || v === '.' || v === '..')
    throw new ValidationError('invalid member name', [
      {
        path: 'member',
        message: 'must be the member part of CLUSTER/MEMBER: 1-255 letters, digits, ".", "_" or "-"',
      },
    ]);
  return v;
}

/**
 * The body of a member action: `{reason?: string, force?: boolean}` (force: stop only), empty
 * allowed. Every problem at once; unknown fields refused.
 */
async function actionBody(req: Request, allowForce: boolean): Promise<{ reason: string; force: boolean }> {
  const text = await req.text();
  const v = text.trim() ? parseJsonInput(text, 'request body') : {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ValidationError('invalid request', [{ path: '', message: 'must be a JSON object' }]);
  const b = v as Record<string, unknown>;
  const problems: { path: string; message: string }[] = [];
  const known = allowForce ? ['reason', 'force'] : ['reason'];
  for (const k of Object.keys(b))
    if (!known.includes(k)) problems.push({ path: k, message: 'unknown field' });
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > MAX_REASON))
    problems.push({ path: 'reason', message: `must be a string of at most ${MAX_REASON} characters` });
  if (b.force !== undefined && typeof b.force !== 'boolean')
    problems.push({ path: 'force', message: 'must be true or false' });
  if (problems.length) throw new ValidationError('invalid member action request', problems);
  return { reason: typeof b.reason === 'string' ? b.reason : '', force: b.force === true };
}

/**
 * The named member actions (issue 13), each a `write` call (trust/policy.ts) and an event:
 * - `POST /v1/clusters/{name}/members/{member}/restart` → 201 MemberRestartView: a one-step restart
 *   rollout through the restart-lease gates;
 * - `POST …/stop` (`{force?, reason?}`) → 202 MemberRunStateView, or 409 naming the failing stop
 *   gates; `force` needs a `reason`;
 * - `POST …/start` → 200 MemberRunStateView;
 * - `GET …/files` → MemberFilesView: the rendered files on the host and their drift;
 * - `GET /v1/hosts/{host}/status` → HostStatusView: processes, pids, uptimes, last probes.
 */
export function addMemberRoutes(app: Hono<{ Variables: { caller: Caller } }>, actions: MemberActions): void {
  const base = '/v1/clusters/:name/members/:member';
  app.post(`${base}/restart`, async (c) => {
    const name = clusterParam(c.req.param('name'));
    const member = memberParam(c.req.param('member'));
    const { reason } = await actionBody(c.req.raw, false);
    return c.json(actions.restart(name, member, { by: c.get('caller').name, reason }), 201);
  });
  app.post(`${base}/stop`, async (c) => {
    const name = clusterParam(c.req.param('name'));
    const member = memberParam(c.req.param('member'));
    const b = await actionBody(c.req.raw, true);
    return c.json(actions.stop(name, member, { by: c.get('caller').name, ...b }), 202);
  });
  app.post(`${base}/start`, async (c) => {
    const name = clusterParam(c.req.param('name'));
    const member = memberParam(c.req.param('member'));
    const { reason } = await actionBody(c.req.raw, false);
    return c.json(actions.start(name, member, { by: c.get('caller').name, reason }));
  });
  app.get(`${base}/files`, async (c) =>
    c.json(await actions.files(clusterParam(c.req.param('name')), memberParam(c.req.param('member')))),
  );
  app.get('/v1/hosts/:host/status', async (c) => {
    const host = c.req.param('host');
    if (!HOST_RE.test(host))
      throw new ValidationError('invalid host', [
        { path: 'host', message: 'must be a host name or host id' },
      ]);
    return c.json(await actions.hostStatus(host));
  });
}
