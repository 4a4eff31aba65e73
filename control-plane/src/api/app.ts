import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HactlError, NAME_RE, ValidationError, type Logger } from '@hactl/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Fleet } from '../reconcile/fleet.js';
import { httpError } from './errors.js';

export interface AppDeps {
  fleet: Fleet;
  logger: Logger;
}

const MAX_BODY = 1024 * 1024;

/** The REST admin API. Never listens: main.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono {
  const { fleet, logger } = deps;
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
      const author = (c.req.header('x-hactl-author') ?? 'api').slice(0, 100);
      const message = (c.req.header('x-hactl-message') ?? '').slice(0, 500);
      return c.json(fleet.applyCluster(name, raw, { author, message }));
    },
  );

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
