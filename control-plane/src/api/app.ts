import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HactlError, NAME_RE, ValidationError, parseJsonInput, type Logger } from '@hactl/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Fleet } from '../reconcile/fleet.js';
import { parseRolloutRequest, type RolloutEngine } from '../rollout/engine.js';
import { parseRollbackRequest, parseRolloutQuery } from '../rollout/options.js';
import { Changes, type ChangeMeta } from '../changes/changes.js';
import { parseFailoverRequest, type FailoverEngine } from '../failover/engine.js';
import { httpError } from './errors.js';
import { MAX_BODY_BYTES } from './limits.js';
import { authMiddleware } from './auth.js';
import { addTrustRoutes } from './trust-routes.js';
import { flag } from './query.js';
import { jsonBodyStream } from './json-text.js';
import { addInstallRoutes, type InstallDeps } from './install-routes.js';
import type { Caller, TrustService } from '../trust/service.js';
import { addMemberRoutes } from './member-routes.js';
import type { MemberActions } from '../actions/member-actions.js';
import type { CommandService } from '../commands/service.js';
import { addCommandRoutes } from './command-routes.js';
import type { Metrics } from '../metrics/metrics.js';
import { addMetricsRoute } from '../metrics/route.js';
import { addOpenApiRoute } from '../openapi/route.js';
import { addEventStreamRoutes } from './event-stream-routes.js';
import { addUiRoutes } from './ui-routes.js';
import { EventHub } from '../events/hub.js';
import type { ReplicaView } from './contract.js';

export interface AppDeps {
  fleet: Fleet;
  rollouts: RolloutEngine;
  /** Storm nimbus failovers (the core's). */
  failovers: FailoverEngine;
  logger: Logger;
  /** The control-plane replicas on a shared store (GET /v1/replicas); absent for a lone control plane. */
  replicas?: () => ReplicaView[];
  /** Tokens, enrollment and host identities: every call but /healthz needs a bearer token. */
  trust: TrustService;
  /** What `/install.sh`, the agent bundle and install commands need; without it those routes are absent. */
  install?: Omit<InstallDeps, 'trust'>;
  /** The core's change service; built from fleet and rollouts when absent. */
  changes?: Changes;
  /** The core's named member actions; without it the member action routes are absent. */
  actions?: MemberActions;
  /** Remote commands (`hactl exec`, `hactl logs -f`); without it those routes are absent. */
  commands?: CommandService;
  /** Prometheus metrics (the core's); without them `GET /metrics` is absent. */
  metrics?: Metrics;
  /** The live event stream's fan-out; built from the fleet when absent (status compared every 5 s). */
  events?: EventHub;
  /** Heartbeat interval of `GET /v1/events/stream` (default 15 s). */
  eventHeartbeatMs?: number;
  /** Where the console's bundle is (default: ui/dist beside this install). */
  uiDir?: string;
}

/**
 * Methods that change state and may carry a body. A browser sends POST with a `text/plain`,
 * form or multipart body (or none) to any origin without a CORS preflight, so a web page an
 * operator visits could start a rollout; requiring `application/json` forces the preflight, which
 * this API never grants (issue 16 #4). DELETE and PATCH are always preflighted, but a body they
 * declare must be JSON too.
 */
const BODY_METHODS = new Set(['POST', 'PUT']);
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const MAX_BODY = MAX_BODY_BYTES;

/** How much of an oversized body is read and dropped so its sender gets the 413 (64 MiB). */
const DISCARD_CAP_BYTES = 64 * 1024 * 1024;

/**
 * Reads and drops a request body until it ends or `cap` bytes went by; never throws (a body
 * already read, or a stream the client broke off, just ends the discard).
 */
async function discardBody(req: Request, cap: number): Promise<void> {
  if (!req.body || req.bodyUsed) return;
  let seen = 0;
  try {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > cap) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    return;
  }
}

/** The REST admin API. Never listens: main.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono<{ Variables: { caller: Caller } }> {
  const { fleet, rollouts, failovers, logger } = deps;
  const changes = deps.changes ?? new Changes({ fleet, rollouts, logger });
  const app = new Hono<{ Variables: { caller: Caller } }>();
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: () => {
      throw new HactlError('payload_too_large', `request body larger than ${MAX_BODY} bytes`);
    },
  });
  /**
   * Who and why, from the x-hactl-author / x-hactl-message headers (the CLI's --message); without
   * an author header, the name of the token that made the call (the audit events always carry it).
   */
  const meta = (
    c: { req: { header: (k: string) => string | undefined }; get: (key: 'caller') => Caller | undefined },
    message?: string,
  ): ChangeMeta => ({
    author: (c.req.header('x-hactl-author') ?? c.get('caller')?.name ?? 'api').slice(0, 100),
    message: (message ?? c.req.header('x-hactl-message') ?? '').slice(0, 500),
  });

  app.onError(async (err, c) => {
    const { status, body } = httpError(err, logger);
    if (err instanceof HactlError && err.code === 'payload_too_large') {
      // A client still sending the body would meet a closed socket (EPIPE) instead of this answer:
      // read and drop what it sends, up to a cap, then answer and close.
      await discardBody(c.req.raw, DISCARD_CAP_BYTES);
      c.header('connection', 'close');
    }
    return c.json(body, status as ContentfulStatusCode);
  });
  app.notFound((c) => {
    const { status, body } = httpError(
      new HactlError('not_found', `no route for ${c.req.method} ${c.req.path}`),
      logger,
    );
    return c.json(body, status as ContentfulStatusCode);
  });

  // Authentication first: an anonymous caller learns nothing, not even that its body is malformed.
  app.use('*', authMiddleware(deps.trust));
  app.use('*', async (c, next) => {
    const type = c.req.header('content-type');
    if (BODY_METHODS.has(c.req.method) || (MUTATING_METHODS.has(c.req.method) && type !== undefined))
      checkJsonContentType(type);
    await next();
  });
  // Every call that may carry a body is capped, not only the spec uploads: rollback and rollout
  // requests read their bodies whole too, and took 12 MB of whitespace around `{"to":1}`.
  app.use('*', (c, next) => (MUTATING_METHODS.has(c.req.method) ? limit(c, next) : next()));

  app.get('/healthz', (c) => c.json({ ok: true }));

  /** Who this control plane is: agents remember the id and refuse desired states from another one. */
  app.get('/v1/info', (c) => c.json({ controlPlaneId: fleet.controlPlaneId }));

  /** The control-plane replicas on a shared store; none for a lone control plane on SQLite. */
  app.get('/v1/replicas', (c) => c.json({ replicas: deps.replicas?.() ?? [] }));

  app.get('/v1/hosts', (c) => c.json({ hosts: fleet.listHosts() }));

  app.get('/v1/clusters', (c) => c.json({ clusters: fleet.listClusters() }));

  // Storm manual-failover clusters also show status.activeNimbus and status.lastFailover.
  app.get('/v1/clusters/:name', (c) => {
    const view = failovers.clusterView(checkName(c.req.param('name')));
    return c.body(jsonBodyStream(view, view.status.members), 200, { 'content-type': 'application/json' });
  });

  app.get('/v1/clusters/:name/revisions', (c) =>
    c.json({ revisions: fleet.listRevisions(checkName(c.req.param('name'))) }),
  );

  app.put('/v1/clusters/:name', async (c) => {
    const name = checkName(c.req.param('name'));
    const raw = await readJson(c.req.raw);
    // Checked before a dry run too, which refuses what the apply would.
    const choices = parseRolloutQuery((k) => c.req.query(k));
    if (flag(c.req.query('dryRun'), 'dryRun'))
      return c.json((await changes.preview([{ name, spec: raw }], meta(c), { ownPaths: true }))[0]);
    const rolloutWanted =
      c.req.query('rollout') === undefined ? true : flag(c.req.query('rollout'), 'rollout');
    const [applied] = await changes.apply([{ name, spec: raw }], meta(c), {
      rollout: rolloutWanted,
      forceRemoval: flag(c.req.query('forceRemoval'), 'forceRemoval'),
      choices,
      ownPaths: true,
    });
    return c.json(applied);
  });

  /**
   * Several cluster specs at once (`hactl apply -f` with several documents), all or nothing: every
   * spec is validated against the fleet and the earlier specs of the request, every problem of every
   * spec is reported (paths `clusters[i].…`), and nothing is stored unless all can be applied.
   */
  app.post('/v1/apply', async (c) => {
    const body = await readJson(c.req.raw);
    if (
      typeof body !== 'object' ||
      body === null ||
      Array.isArray(body) ||
      !Array.isArray((body as { clusters?: unknown }).clusters)
    ) {
      throw new ValidationError('invalid apply request', [
        { path: 'clusters', message: 'expected {clusters: [spec, ...], message?}' },
      ]);
    }
    const b = body as { clusters: unknown[]; message?: unknown };
    if (b.message !== undefined && typeof b.message !== 'string')
      throw new ValidationError('invalid apply request', [{ path: 'message', message: 'must be a string' }]);
    const message = b.message;
    if (b.clusters.length === 0 || b.clusters.length > 100)
      throw new ValidationError('invalid apply request', [
        { path: 'clusters', message: 'must hold 1 to 100 cluster specs' },
      ]);
    const docs = b.clusters.map((spec) => ({
      name:
        typeof spec === 'object' && spec !== null && typeof (spec as { name?: unknown }).name === 'string'
          ? (spec as { name: string }).name
          : '',
      spec,
    }));
    const choices = parseRolloutQuery((k) => c.req.query(k));
    if (flag(c.req.query('dryRun'), 'dryRun'))
      return c.json({ clusters: await changes.preview(docs, meta(c, message)) });
    const rolloutWanted =
      c.req.query('rollout') === undefined ? true : flag(c.req.query('rollout'), 'rollout');
    return c.json({
      clusters: await changes.apply(docs, meta(c, message), {
        rollout: rolloutWanted,
        forceRemoval: flag(c.req.query('forceRemoval'), 'forceRemoval'),
        choices,
      }),
    });
  });

  app.get('/v1/clusters/:name/revisions/:revision', (c) => {
    const name = checkName(c.req.param('name'));
    return c.json({
      name,
      revision: int(c.req.param('revision'), 'revision'),
      spec: fleet.getRevisionSpec(name, int(c.req.param('revision'), 'revision')),
    });
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
    const req = parseRollbackRequest(await readJson(c.req.raw));
    return c.json(await changes.rollback(name, req.to, meta(c, req.message), req.choices));
  });

  app.post('/v1/clusters/:name/rollouts', async (c) => {
    const name = checkName(c.req.param('name'));
    const opts = parseRolloutRequest(await readJson(c.req.raw));
    return c.json(rollouts.start(name, opts), 201);
  });

  app.get('/v1/clusters/:name/rollouts', (c) =>
    c.json({ rollouts: rollouts.list(checkName(c.req.param('name'))) }),
  );

  app.get('/v1/rollouts/:id', (c) => c.json(rollouts.view(checkRolloutId(c.req.param('id')))));

  app.post('/v1/rollouts/:id/:verb', (c) => {
    const id = checkRolloutId(c.req.param('id'));
    const verb = c.req.param('verb');
    if (verb === 'pause') return c.json(rollouts.pause(id));
    if (verb === 'resume')
      return c.json(rollouts.resume(id, { forceRemoval: flag(c.req.query('forceRemoval'), 'forceRemoval') }));
    if (verb === 'abort') return c.json(rollouts.abort(id));
    throw new ValidationError('unknown rollout action', [
      { path: 'verb', message: 'must be pause, resume or abort' },
    ]);
  });

  /** Moves the active nimbus of a Storm `failover: manual` cluster (architecture §5): 202 with the failover. */
  app.post('/v1/clusters/:name/failover', async (c) => {
    const name = checkName(c.req.param('name'));
    const req = parseFailoverRequest(await readJson(c.req.raw));
    return c.json(failovers.request(name, req, meta(c).author), 202);
  });

  app.get('/v1/failovers/:id', (c) => c.json(failovers.get(checkRolloutId(c.req.param('id'), 'failover'))));

  /** Stops and forgets the cluster's instances; their data, log and config directories stay on the hosts. */
  app.delete('/v1/clusters/:name', (c) => {
    const name = checkName(c.req.param('name'));
    if (flag(c.req.query('dryRun'), 'dryRun'))
      return c.json({ ...changes.previewDelete(name), deleted: false, dryRun: true });
    return c.json({ ...changes.delete(name, meta(c)), deleted: true });
  });

  app.get('/v1/clusters/:name/members/:member/logs', async (c) => {
    const name = checkName(c.req.param('name'));
    const member = c.req.param('member');
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(member))
      throw new ValidationError('invalid member', [
        { path: 'member', message: 'a host name, member id or instance name' },
      ]);
    const which = c.req.query('file') ?? 'service';
    if (which !== 'service' && which !== 'out')
      throw new ValidationError('invalid query', [{ path: 'file', message: 'must be service or out' }]);
    const lines = int(c.req.query('lines') ?? '100', 'lines');
    return c.json(await changes.logs(name, member, which, Math.min(Math.max(lines, 1), 5000)));
  });

  addTrustRoutes(app, { trust: deps.trust, fleet });
  if (deps.actions) addMemberRoutes(app, deps.actions);
  addCommandRoutes(app, { commands: deps.commands });
  addMetricsRoute(app, deps.metrics);
  addOpenApiRoute(app);
  if (deps.install) addInstallRoutes(app, { ...deps.install, trust: deps.trust });
  const hub = deps.events ?? new EventHub({ feed: fleet, logger, statusIntervalMs: 5000, bufferLimit: 1000 });
  addEventStreamRoutes(app, { hub, feed: fleet, heartbeatMs: deps.eventHeartbeatMs ?? 15_000 });
  addUiRoutes(app, deps.uiDir);

  app.get('/v1/events', (c) => {
    const cluster = c.req.query('cluster');
    const limitRaw = c.req.query('limit') ?? '100';
    if (!/^[0-9]{1,4}$/.test(limitRaw))
      throw new ValidationError('invalid query', [{ path: 'limit', message: 'must be an integer 0-9999' }]);
    return c.json({
      events: fleet.listEvents({
        ...(cluster ? { cluster: checkName(cluster) } : {}),
        limit: Number(limitRaw),
      }),
    });
  });

  return app;
}

function int(v: string, name: string): number {
  if (!/^[0-9]{1,9}$/.test(v))
    throw new ValidationError('invalid parameter', [{ path: name, message: 'must be a positive integer' }]);
  return Number(v);
}

/** A rollout or failover id (the core's newId: hex). */
function checkRolloutId(id: string, what = 'rollout'): string {
  if (!/^[a-f0-9]{1,64}$/.test(id))
    throw new ValidationError(`invalid ${what} id`, [{ path: 'id', message: 'must be hex' }]);
  return id;
}

function checkName(name: string): string {
  if (!NAME_RE.test(name))
    throw new ValidationError('invalid cluster name', [
      {
        path: 'name',
        message: 'must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
      },
    ]);
  return name;
}

/**
 * The request body as JSON, checked before any schema sees it: reserved keys (`__proto__` would
 * vanish in the first copy) and nesting deeper than the validators can recurse are refused with
 * their paths from the body's root, as validation names them (`settings.__proto__` in a spec,
 * `clusters[0].settings.__proto__` in an apply request) (issue 16 #3).
 */
async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim())
    throw new HactlError('invalid_json', 'request body is empty; send the cluster spec as JSON');
  return parseJsonInput(text, 'request body');
}

/** Throws 415 unless `type` is `application/json` (parameters such as `charset` allowed). */
function checkJsonContentType(type: string | undefined): void {
  const media = type?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return;
  throw new HactlError(
    'unsupported_media_type',
    `${type ? `Content-Type ${JSON.stringify(type.slice(0, 100))} is not accepted` : 'the request has no Content-Type'}: ` +
      `calls that change state take a JSON body with Content-Type: application/json ` +
      `(hactl converts YAML itself)`,
    { details: [{ path: 'content-type', message: 'must be application/json' }] },
  );
}
