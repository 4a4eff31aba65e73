/**
 * The OpenAPI 3.1 document of the REST API (`GET /v1/openapi.json`), generated from zod schemas
 * with zod 4's own z.toJSONSchema: OpenAPI 3.1's schema dialect is JSON Schema draft 2020-12,
 * which is what z.toJSONSchema writes, so no converter library (zod-openapi and friends add a
 * registry and their own metadata API for what a route table and one call per schema do here).
 * Pure: built once from the route table below.
 */
import { z } from 'zod';
import { clusterSpecJsonSchema, knownKinds } from '@hactl/shared';
import { commandRequestSchema } from '../commands/request.js';
import { CLI_VERSION } from '../cli/version.js';
import * as s from './schemas.js';
import { GATE_TIMEOUT_POLICIES, ROLLOUT_TIMING_LIMITS } from '../rollout/options.js';

type Schema = Record<string, unknown>;

/** What a route answers with: a named component, an inline zod schema, or a media type and words. */
type Answer =
  | { ref: string; description?: string }
  | { zod: z.ZodType; description?: string }
  | { media: string; description: string };

interface Route {
  method: 'get' | 'put' | 'post' | 'delete';
  /** OpenAPI form: `{name}` parameters. */
  path: string;
  summary: string;
  /** The token scope needed (trust/policy.ts); none for public paths. */
  scope?: 'read' | 'write' | 'exec' | 'admin';
  query?: Record<string, { schema: Schema; description: string }>;
  body?: { ref: string; required: boolean };
  ok: { status: number } & Answer;
}

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'string', enum: ['true', 'false', '1', '0', ''] };
const int: Schema = { type: 'string', pattern: '^[0-9]{1,9}$' };
const loose = (description: string): Answer => ({ ref: 'LooseObject', description });

/** The rollout options an apply's query may choose (rollout/options.ts parseRolloutQuery). */
const { gateTimeoutSec: gateLimits, pauseBetweenSec: pauseLimits } = ROLLOUT_TIMING_LIMITS;
const rolloutChoiceQuery = {
  gateTimeoutSec: {
    schema: int,
    description: `seconds a step may wait at its gates (${gateLimits.min} to ${gateLimits.max}, default 600); not with rollout=false`,
  },
  onGateTimeout: {
    schema: { type: 'string', enum: [...GATE_TIMEOUT_POLICIES] } satisfies Schema,
    description:
      'what the rollout does when a step times out at its gates (default pause; a membership change only pauses)',
  },
  pauseBetweenSec: {
    schema: int,
    description: `seconds between one finished step and the next request (${pauseLimits.min} to ${pauseLimits.max}, default 0)`,
  },
};

/** Every route of createApp and the route files beside it, in app.ts order. */
export const ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    ok: { status: 200, zod: z.object({ ok: z.literal(true) }) },
  },
  {
    method: 'get',
    path: '/v1/info',
    summary: "This control plane's id",
    scope: 'read',
    ok: { status: 200, zod: z.object({ controlPlaneId: z.string() }) },
  },
  {
    method: 'get',
    path: '/v1/replicas',
    summary: 'Control-plane replicas on the shared store (empty on SQLite), the leader first',
    scope: 'read',
    ok: {
      status: 200,
      zod: z.object({
        replicas: z.array(
          z.object({
            holder: z.string(),
            grpc: z.string(),
            http: z.string(),
            seenAgoMs: z.number().int(),
            leading: z.boolean(),
          }),
        ),
      }),
    },
  },
  {
    method: 'get',
    path: '/v1/hosts',
    summary: 'Hosts with their agent connection and generations',
    scope: 'read',
    ok: { status: 200, zod: z.object({ hosts: z.array(s.hostViewSchema) }) },
  },
  {
    method: 'get',
    path: '/v1/clusters',
    summary: 'Clusters with their health',
    scope: 'read',
    ok: { status: 200, zod: z.object({ clusters: z.array(s.clusterSummarySchema) }) },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}',
    summary: 'A cluster with the state of each member',
    scope: 'read',
    ok: { status: 200, ref: 'ClusterView' },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/revisions',
    summary: "The cluster's revisions",
    scope: 'read',
    ok: { status: 200, zod: s.revisionsSchema },
  },
  {
    method: 'put',
    path: '/v1/clusters/{name}',
    summary:
      'Creates or updates a cluster from its spec (starts a rollout of the changed members unless rollout=false)',
    scope: 'write',
    query: {
      dryRun: { schema: bool, description: 'validate and preview only' },
      rollout: { schema: bool, description: 'start a rollout of changed members (default true)' },
      forceRemoval: {
        schema: bool,
        description: 'stop removed members although their pre-stop check refuses',
      },
      ...rolloutChoiceQuery,
    },
    body: { ref: 'ClusterSpec', required: true },
    ok: { status: 200, ref: 'AppliedOrPreview', description: 'what applying did (with dryRun: the preview)' },
  },
  {
    method: 'post',
    path: '/v1/apply',
    summary: 'Several cluster specs at once, all or nothing',
    scope: 'write',
    query: {
      dryRun: { schema: bool, description: 'validate and preview only' },
      rollout: { schema: bool, description: 'start rollouts of changed members (default true)' },
      forceRemoval: {
        schema: bool,
        description: 'stop removed members although their pre-stop check refuses',
      },
      ...rolloutChoiceQuery,
    },
    body: { ref: 'ApplyRequest', required: true },
    ok: {
      status: 200,
      zod: z.object({ clusters: z.array(z.union([s.appliedClusterSchema, s.clusterPreviewSchema])) }),
      description: 'what applying did to each cluster (with dryRun: the previews)',
    },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/revisions/{revision}',
    summary: 'The spec of one revision',
    scope: 'read',
    ok: {
      status: 200,
      zod: z.object({ name: z.string(), revision: z.number().int(), spec: z.looseObject({}) }),
    },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/diff',
    summary: 'The difference between two revisions',
    scope: 'read',
    query: {
      from: { schema: int, description: 'revision (default to - 1)' },
      to: { schema: int, description: 'revision (default the newest)' },
    },
    ok: { status: 200, ...loose('the two revisions and their spec and config-file differences') },
  },
  {
    method: 'post',
    path: '/v1/clusters/{name}/rollback',
    summary: "Makes an earlier revision's spec the newest revision",
    scope: 'write',
    body: { ref: 'RollbackRequest', required: true },
    ok: { status: 200, ref: 'AppliedCluster' },
  },
  {
    method: 'post',
    path: '/v1/clusters/{name}/rollouts',
    summary: 'Starts a rolling restart (one member at a time through the restart-lease gates)',
    scope: 'write',
    body: { ref: 'RolloutRequest', required: true },
    ok: { status: 201, ref: 'RolloutView' },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/rollouts',
    summary: "The cluster's rollouts",
    scope: 'read',
    ok: { status: 200, zod: z.object({ rollouts: z.array(s.rolloutViewSchema) }) },
  },
  {
    method: 'get',
    path: '/v1/rollouts/{id}',
    summary: 'A rollout',
    scope: 'read',
    ok: { status: 200, ref: 'RolloutView' },
  },
  {
    method: 'post',
    path: '/v1/rollouts/{id}/{verb}',
    summary: 'Pauses, resumes or aborts a rollout (verb: pause, resume, abort)',
    scope: 'write',
    query: { forceRemoval: { schema: bool, description: 'resume only' } },
    ok: { status: 200, ref: 'RolloutView' },
  },
  {
    method: 'post',
    path: '/v1/clusters/{name}/failover',
    summary: 'Moves the active nimbus of a Storm failover: manual cluster',
    scope: 'write',
    body: { ref: 'FailoverRequest', required: false },
    ok: { status: 202, ref: 'FailoverView' },
  },
  {
    method: 'get',
    path: '/v1/failovers/{id}',
    summary: 'A failover',
    scope: 'read',
    ok: { status: 200, ref: 'FailoverView' },
  },
  {
    method: 'delete',
    path: '/v1/clusters/{name}',
    summary: "Stops and forgets the cluster's instances (data stays on the hosts)",
    scope: 'write',
    query: { dryRun: { schema: bool, description: 'preview only' } },
    ok: { status: 200, ...loose('what was (or would be) stopped, with deleted: true|false') },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/members/{member}/logs',
    summary: "The end of a member's log",
    scope: 'read',
    query: {
      file: {
        schema: { type: 'string', enum: ['service', 'out'] },
        description: 'which log (default service)',
      },
      lines: { schema: int, description: 'lines from the end, 1-5000 (default 100)' },
    },
    ok: { status: 200, ...loose('the log lines and the file they come from') },
  },
  {
    method: 'post',
    path: '/v1/tokens',
    summary: 'Creates an enrollment (join) token or an API token',
    scope: 'admin',
    body: { ref: 'TokenRequest', required: false },
    ok: { status: 201, ...loose('the token, shown once') },
  },
  {
    method: 'delete',
    path: '/v1/hosts/{name}',
    summary: 'Deletes a host and revokes its certificate',
    scope: 'write',
    query: {
      dryRun: {
        schema: bool,
        description: 'preview only: runs the same check (409 naming the clusters that use the host)',
      },
    },
    ok: { status: 200, ...loose('the deleted host, with deleted: true|false') },
  },
  ...(['restart', 'stop', 'start'] as const).map((verb): Route => ({
    method: 'post',
    path: `/v1/clusters/{name}/members/{member}/${verb}`,
    summary: `${verb[0]!.toUpperCase()}${verb.slice(1)}s one member${verb === 'start' ? '' : ' through the restart-lease gates'}`,
    scope: 'write',
    body: { ref: 'MemberActionRequest', required: false },
    ok: {
      status: verb === 'restart' ? 201 : verb === 'stop' ? 202 : 200,
      ...loose(verb === 'restart' ? 'the restart rollout' : 'the member run state'),
    },
  })),
  {
    method: 'get',
    path: '/v1/clusters/{name}/members/{member}/files',
    summary: "The member's rendered files on its host and their drift",
    scope: 'read',
    ok: { status: 200, ...loose('files with their state') },
  },
  {
    method: 'get',
    path: '/v1/hosts/{host}/status',
    summary: 'Processes, pids, uptimes and last probes on one host',
    scope: 'read',
    ok: { status: 200, ...loose('the host and its instances') },
  },
  {
    method: 'post',
    path: '/v1/commands',
    summary: 'Runs a command on hosts (agents started with --allow-exec)',
    scope: 'exec',
    body: { ref: 'CommandRequest', required: true },
    ok: { status: 201, ...loose('the command with its targets') },
  },
  {
    method: 'get',
    path: '/v1/commands/{id}',
    summary: 'A command and its targets',
    scope: 'exec',
    ok: { status: 200, ...loose('the command') },
  },
  {
    method: 'get',
    path: '/v1/commands/{id}/output',
    summary: "A command's output as it arrives",
    scope: 'exec',
    ok: { status: 200, media: 'application/x-ndjson', description: 'one JSON object per line' },
  },
  {
    method: 'delete',
    path: '/v1/commands/{id}',
    summary: 'Cancels a command',
    scope: 'exec',
    ok: { status: 200, ...loose('the command') },
  },
  {
    method: 'post',
    path: '/v1/commands/{id}/cancel',
    summary: 'Cancels a command',
    scope: 'exec',
    ok: { status: 200, ...loose('the command') },
  },
  {
    method: 'get',
    path: '/v1/clusters/{name}/members/{member}/logs/follow',
    summary: "Follows a member's log across rotation",
    scope: 'read',
    query: { since: { schema: str, description: 'a duration such as 10m: start that far back' } },
    ok: { status: 200, media: 'application/x-ndjson', description: 'one JSON object per line' },
  },
  {
    method: 'get',
    path: '/install.sh',
    summary: 'The agent install script',
    ok: { status: 200, media: 'text/x-shellscript', description: 'the script' },
  },
  {
    method: 'get',
    path: '/agent-bundle.tar.gz',
    summary: 'The agent bundle',
    ok: { status: 200, media: 'application/gzip', description: 'the bundle' },
  },
  {
    method: 'post',
    path: '/v1/install-command',
    summary: 'The curl | sh one-liner that installs and enrolls an agent',
    scope: 'admin',
    body: { ref: 'InstallCommandRequest', required: true },
    ok: { status: 200, ...loose('the command and the token it carries') },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    scope: 'read',
    ok: { status: 200, media: 'text/plain; version=0.0.4', description: 'Prometheus text exposition format' },
  },
  {
    method: 'get',
    path: '/v1/events',
    summary: 'Events and audit records, newest first',
    scope: 'read',
    query: {
      cluster: { schema: str, description: "only this cluster's" },
      limit: {
        schema: { type: 'string', pattern: '^[0-9]{1,4}$' },
        description: 'at most this many (default 100)',
      },
    },
    ok: { status: 200, zod: s.eventsSchema },
  },
  {
    method: 'get',
    path: '/v1/events/stream',
    summary:
      'Live events (server-sent events): stored events resumed after Last-Event-ID, then new ones and status changes',
    scope: 'read',
    query: {
      after: { schema: int, description: 'resume after this event id (as the Last-Event-ID header)' },
    },
    ok: { status: 200, media: 'text/event-stream', description: 'hello, event, status and end messages' },
  },
  {
    method: 'get',
    path: '/v1/whoami',
    summary: "The calling token's name and scopes",
    scope: 'read',
    ok: { status: 200, ...loose('{name, scopes}') },
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    scope: 'read',
    ok: { status: 200, ...loose('OpenAPI 3.1') },
  },
];

/**
 * A generated JSON Schema made fit for `components.schemas.<name>`: no `$schema` (the document's
 * dialect applies) and its `$defs` (zod emits them for schemas used twice or recursively) moved to
 * components of their own, `<name>_<def>`, with the references rewritten: a `#/$defs/...` pointer
 * inside a component would resolve against the document's root, where there is none.
 */
function hoist(name: string, schema: Schema, into: Record<string, Schema>): Schema {
  const { $schema: _drop, $defs, ...rest } = schema as Schema & { $defs?: Record<string, Schema> };
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')
          ? `#/components/schemas/${name}_${x.slice('#/$defs/'.length)}`
          : rewrite(x),
      ]),
    );
  };
  for (const [def, body] of Object.entries($defs ?? {})) into[`${name}_${def}`] = rewrite(body) as Schema;
  return rewrite(rest) as Schema;
}

/** JSON Schema of a zod schema named `name`, its `$defs` hoisted into `defs` (see hoist). */
function jsonSchema(
  t: z.ZodType,
  io: 'input' | 'output',
  name: string,
  defs: Record<string, Schema>,
): Schema {
  return hoist(name, z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Schema, defs);
}

function answer(a: Answer, name: string, defs: Record<string, Schema>): Schema {
  if ('media' in a) return { description: a.description, content: { [a.media]: { schema: str } } };
  const schema =
    'ref' in a ? { $ref: `#/components/schemas/${a.ref}` } : jsonSchema(a.zod, 'output', name, defs);
  return { description: a.description ?? 'OK', content: { 'application/json': { schema } } };
}

/** The OpenAPI 3.1 document. Pure; the same object for the life of the process is fine. */
export function buildOpenApiDocument(): Schema {
  const defs: Record<string, Schema> = {};
  const specs = Object.fromEntries(
    knownKinds().map((k) => {
      const name = `${k[0]!.toUpperCase()}${k.slice(1)}Spec`;
      return [name, hoist(name, clusterSpecJsonSchema(k)!, defs)];
    }),
  );
  const schemas: Record<string, Schema> = {
    ...specs,
    ClusterSpec: {
      description: "A cluster spec of any kind (its name is the path's); see each kind's spec.",
      oneOf: Object.keys(specs).map((n) => ({ $ref: `#/components/schemas/${n}` })),
      discriminator: { propertyName: 'kind' },
    },
    ApplyRequest: {
      type: 'object',
      required: ['clusters'],
      properties: {
        clusters: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: { $ref: '#/components/schemas/ClusterSpec' },
        },
        message: { type: 'string' },
      },
    },
    RolloutRequest: jsonSchema(s.rolloutRequestSchema, 'input', 'RolloutRequest', defs),
    RollbackRequest: jsonSchema(s.rollbackRequestSchema, 'input', 'RollbackRequest', defs),
    FailoverRequest: jsonSchema(s.failoverRequestSchema, 'input', 'FailoverRequest', defs),
    MemberActionRequest: jsonSchema(s.memberActionRequestSchema, 'input', 'MemberActionRequest', defs),
    TokenRequest: jsonSchema(s.tokenRequestSchema, 'input', 'TokenRequest', defs),
    InstallCommandRequest: jsonSchema(s.installCommandRequestSchema, 'input', 'InstallCommandRequest', defs),
    CommandRequest: jsonSchema(commandRequestSchema, 'input', 'CommandRequest', defs),
    ClusterView: jsonSchema(s.clusterViewSchema, 'output', 'ClusterView', defs),
    AppliedCluster: jsonSchema(s.appliedClusterSchema, 'output', 'AppliedCluster', defs),
    ClusterPreview: jsonSchema(s.clusterPreviewSchema, 'output', 'ClusterPreview', defs),
    AppliedOrPreview: {
      anyOf: [
        { $ref: '#/components/schemas/AppliedCluster' },
        { $ref: '#/components/schemas/ClusterPreview' },
      ],
    },
    RolloutView: jsonSchema(s.rolloutViewSchema, 'output', 'RolloutView', defs),
    FailoverView: jsonSchema(s.failoverViewSchema, 'output', 'FailoverView', defs),
    Error: jsonSchema(s.errorBodySchema, 'output', 'Error', defs),
    LooseObject: {
      ...jsonSchema(s.looseObjectSchema, 'output', 'LooseObject', defs),
      description: 'an object this document does not detail',
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  for (const r of ROUTES) {
    const pathParams = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1]!,
      in: 'path',
      required: true,
      schema: str,
    }));
    const queryParams = Object.entries(r.query ?? {}).map(([name, q]) => ({
      name,
      in: 'query',
      required: false,
      description: q.description,
      schema: q.schema,
    }));
    const operationId = `${r.method}${r.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
    const op: Record<string, unknown> = {
      operationId,
      summary: r.summary,
      ...(r.scope ? { description: `Needs a token with the ${r.scope} scope.` } : { security: [] }),
      ...(pathParams.length + queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: r.body.required,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.body.ref}` } } },
            },
          }
        : {}),
      responses: {
        [String(r.ok.status)]: answer(r.ok, operationId, defs),
        ...(r.scope
          ? { '401': error('no or unknown token'), '403': error('the token lacks the scope') }
          : {}),
        ...(r.body || r.query || pathParams.length
          ? { '400': error('invalid request, every problem listed') }
          : {}),
        default: error('an error'),
      },
    };
    (paths[r.path] ??= {})[r.method] = op;
  }
  Object.assign(schemas, defs);
  return {
    openapi: '3.1.0',
    info: {
      title: 'hactl control plane',
      version: CLI_VERSION,
      description:
        'Deploys and operates ZooKeeper, Kafka, Storm and Elasticsearch clusters. Errors are {error: {code, message, details, retriable}}.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API token (hactl token create --api NAME --scopes ...)',
        },
      },
      schemas,
    },
    paths,
  };
}
