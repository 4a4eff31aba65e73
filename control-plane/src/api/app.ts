import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HactlError, NAME_RE, ValidationError, type Logger } from '@hactl/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Fleet } from '../reconcile/fleet.js';
import { defaultRolloutOptions, parseRolloutRequest, type RolloutEngine } from '../rollout/engine.js';
import { httpError } from './errors.js';

export interface AppDeps {
  fleet: Fleet;
  rollouts: RolloutEngine;
  logger: Logger;
}

const MAX_BODY = 1024 * 1024;

/** The REST admin API. Never listens: main.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono {
  const { fleet, rollouts, logger } = deps;
  const app = new Hono();

  app.onError((err, c) => {
    const { status, body } = httpError(err, logger);
    return c.json(body, status as ContentfulStatusCode);
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}`, details: [] } }, 404));

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/v1/hosts', (c) => c.json({ hosts: fleet.listHosts() }));

  app.get('/v1/clusters', (c) => c.json({ clusters: fleet.listClusters() }));

  app.get('/v1/clusters/:name', (c) => c.json(fleet.clusterStatus(checkName(c.req.param('name')))));

  app.get('/v1/clusters/:name/revisions', (c) => c.json({ revisions: fleet.listRevisions(checkName(c.req.param('name'))) }));

  app.put(
    '/v1/clusters/:name',
    bodyLimit({
      maxSize: MAX_BODY,
      onError: () => {
        throw new HactlError('payload_too_large', `request body larger than ${MAX_BODY} bytes`);
      },
    }),
    async (c) => {
      const name = checkName(c.req.param('name'));
      const raw = await readJson(c.req.raw);
      if (flag(c.req.query('dryRun'), 'dryRun')) return c.json(fleet.previewApply(name, raw));
      const author = (c.req.header('x-hactl-author') ?? 'api').slice(0, 100);
      const message = (c.req.header('x-hactl-message') ?? '').slice(0, 500);
      const rolloutWanted = c.req.query('rollout') === undefined ? true : flag(c.req.query('rollout'), 'rollout');
      return c.json(applyAndRoll(name, raw, { author, message }, rolloutWanted));
    },
  );

  /**
   * A change to a running cluster's config starts a rolling restart of the members whose files
   * changed (unless staged with ?rollout=false): agents write new files but only restart under a
   * lease, one member at a time, leader last.
   */
  function applyAndRoll(name: string, raw: unknown, meta: { author: string; message: string }, rolloutWanted: boolean) {
    const result = fleet.applyCluster(name, raw, meta);
    const { changedInstances, ...rest } = result;
    const running = changedInstances.filter((id) => fleet.observation(id)?.process === 'running');
    if (!rolloutWanted || running.length === 0) return { ...rest, restartPending: rolloutWanted ? [] : running };
    const r = rollouts.start(name, defaultRolloutOptions('apply'), running);
    return { ...rest, rollout: r.id, restartOrder: r.plan };
  }

  app.get('/v1/clusters/:name/revisions/:revision', (c) => {
    const name = checkName(c.req.param('name'));
    return c.json({ name, revision: int(c.req.param('revision'), 'revision'), spec: fleet.getRevisionSpec(name, int(c.req.param('revision'), 'revision')) });
  });

  app.get('/v1/clusters/:name/diff', (c) => {
    const name = checkName(c.req.param('name'));
    const revs = fleet.listRevisions(name);
    const last = revs.at(-1)?.revision ?? 0;
    const to = c.req.query('to') ? int(c.req.query('to')!, 'to') : last;
    const from = c.req.query('from') ? int(c.req.query('from')!, 'from') : Math.max(1, to - 1);
    return c.json(fleet.diffRevisions(name, from, to));
  });

  app.post('/v1/clusters/:name/rollback', async (c) => {
    const name = checkName(c.req.param('name'));
    const body = (await readJson(c.req.raw)) as { to?: unknown };
    if (typeof body !== 'object' || body === null || typeof body.to !== 'number' || !Number.isInteger(body.to) || body.to < 1) {
      throw new ValidationError('invalid rollback request', [{ path: 'to', message: 'must be a revision number' }]);
    }
    const spec = fleet.getRevisionSpec(name, body.to);
    const author = (c.req.header('x-hactl-author') ?? 'api').slice(0, 100);
    return c.json(applyAndRoll(name, spec, { author, message: `rollback to revision ${body.to}` }, true));
  });

  app.post('/v1/clusters/:name/rollouts', async (c) => {
    const name = checkName(c.req.param('name'));
    const opts = parseRolloutRequest(await readJson(c.req.raw));
    return c.json(rollouts.start(name, opts), 201);
  });

  app.get('/v1/clusters/:name/rollouts', (c) => c.json({ rollouts: rollouts.list(checkName(c.req.param('name'))) }));

  app.get('/v1/rollouts/:id', (c) => c.json(rollouts.view(checkRolloutId(c.req.param('id')))));

  app.post('/v1/rollouts/:id/:verb', (c) => {
    const id = checkRolloutId(c.req.param('id'));
    const verb = c.req.param('verb');
    if (verb === 'pause') return c.json(rollouts.pause(id));
    if (verb === 'resume') return c.json(rollouts.resume(id));
    if (verb === 'abort') return c.json(rollouts.abort(id));
    throw new ValidationError('unknown rollout action', [{ path: 'verb', message: 'must be pause, resume or abort' }]);
  });

  app.delete('/v1/clusters/:name', (c) => {
    const name = checkName(c.req.param('name'));
    fleet.deleteCluster(name, { author: (c.req.header('x-hactl-author') ?? 'api').slice(0, 100) });
    return c.json({ name, deleted: true });
  });

  app.get('/v1/events', (c) => {
    const cluster = c.req.query('cluster');
    const limitRaw = c.req.query('limit') ?? '100';
    if (!/^[0-9]{1,4}$/.test(limitRaw)) throw new ValidationError('invalid query', [{ path: 'limit', message: 'must be an integer 0-9999' }]);
    return c.json({ events: fleet.listEvents({ ...(cluster ? { cluster: checkName(cluster) } : {}), limit: Number(limitRaw) }) });
  });

  return app;
}

function flag(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '' || v === 'true' || v === '1') return v !== undefined;
  if (v === 'false' || v === '0') return false;
  throw new ValidationError('invalid query', [{ path: name, message: 'must be true or false' }]);
}

function int(v: string, name: string): number {
  if (!/^[0-9]{1,9}$/.test(v)) throw new ValidationError('invalid parameter', [{ path: name, message: 'must be a positive integer' }]);
  return Number(v);
}

function checkRolloutId(id: string): string {
  if (!/^[a-f0-9]{1,64}$/.test(id)) throw new ValidationError('invalid rollout id', [{ path: 'id', message: 'must be hex' }]);
  return id;
}

function checkName(name: string): string {
  if (!NAME_RE.test(name)) throw new ValidationError('invalid cluster name', [{ path: 'name', message: 'must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit' }]);
  return name;
}

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) throw new HactlError('invalid_json', 'request body is empty; send the cluster spec as JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HactlError('invalid_json', `request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
