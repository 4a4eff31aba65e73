/**
 * zod schemas of the REST API's bodies for the OpenAPI document (document.ts).
 *
 * Where a request is validated by a zod schema, the document uses that very schema: the cluster
 * specs (each kind's `specSchema`) and `POST /v1/commands` (commands/request.ts). The other
 * request bodies are checked by hand-written validators that report every problem with its path
 * (rollout/options.ts, failover/engine.ts, api/*.ts); their schemas here describe what those
 * validators accept. Responses are built from the TypeScript types in api/contract.ts; their
 * schemas here mirror those types, and app tests check real answers against them.
 * Objects that may carry more keys (a member's kind-specific probe values, host facts) say so.
 */
import { z } from 'zod';
import { GATE_TIMEOUT_POLICIES, ROLLOUT_TIMING_LIMITS } from '../rollout/options.js';

const iso = z.string().describe('ISO 8601 time');
const isoOrNull = iso.nullable();
const gate = z.object({ gate: z.string(), ok: z.boolean(), reason: z.string() });

// ---- requests -------------------------------------------------------------------------------

/** A timing a request may choose, within its limits (rollout/options.ts checkChoices). */
const timing = (k: keyof typeof ROLLOUT_TIMING_LIMITS) =>
  z.number().int().min(ROLLOUT_TIMING_LIMITS[k].min).max(ROLLOUT_TIMING_LIMITS[k].max).optional();

/** `POST /v1/clusters/{name}/rollouts` (parseRolloutRequest). */
export const rolloutRequestSchema = z.strictObject({
  action: z.enum(['restart', 'apply', 'upgrade']),
  batchSize: z.literal(1).optional().describe('only 1: never more than one member down at a time'),
  pauseBetweenSec: timing('pauseBetweenSec'),
  gateTimeoutSec: timing('gateTimeoutSec'),
  onGateTimeout: z.enum(GATE_TIMEOUT_POLICIES).optional(),
});

/** `POST /v1/clusters/{name}/failover` (parseFailoverRequest); the body may be empty. */
export const failoverRequestSchema = z.strictObject({
  to: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/)
    .optional()
    .describe('the standby nimbus host'),
  reason: z.string().max(500).optional(),
});

/** `POST /v1/clusters/{name}/rollback` (parseRollbackRequest). */
export const rollbackRequestSchema = z.strictObject({
  to: z.number().int().min(1).describe('the revision whose spec becomes a new revision'),
  message: z.string().optional().describe('the new revision keeps its first 500 characters'),
  pauseBetweenSec: timing('pauseBetweenSec'),
  gateTimeoutSec: timing('gateTimeoutSec'),
  onGateTimeout: z
    .enum(['pause', 'abort'])
    .optional()
    .describe('not rollback: that would apply again the revision being left'),
});

/** Member actions (`restart`, `start`; `stop` also takes `force`, which needs a reason); the body may be empty. */
export const memberActionRequestSchema = z.strictObject({
  reason: z.string().max(500).optional(),
  force: z.boolean().optional().describe('stop only: stop although the stop gates refuse'),
});

/** `POST /v1/tokens`: a join token (default) or an API token. */
export const tokenRequestSchema = z.union([
  z.object({
    kind: z.literal('join').optional(),
    ttl: z.string().optional().describe('a duration such as 30m or 1h (default 1h)'),
    uses: z.number().int().optional(),
    hosts: z.string().optional().describe('host name glob the token may enroll (default *)'),
  }),
  z.object({
    kind: z.literal('api'),
    name: z.string(),
    scopes: z.string().describe('comma-separated: read, write, exec, admin'),
  }),
]);

/** `POST /v1/install-command`. */
export const installCommandRequestSchema = z.object({
  name: z.string(),
  address: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
});

// ---- responses ------------------------------------------------------------------------------

/** ErrorBody (contract.ts): every 4xx/5xx answer. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    retriable: z.boolean(),
  }),
});

/** HostView (contract.ts). */
export const hostViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  connected: z.boolean(),
  lastSeen: isoOrNull,
  generation: z.number().int(),
  appliedGeneration: z.number().int(),
  applyError: z.string(),
  instances: z.number().int(),
  agentVersion: z.string(),
  labels: z.record(z.string(), z.string()),
  facts: z.looseObject({}).describe("the agent's host facts (os, cpus, memoryBytes, java, ...)"),
});

/** ClusterSummary (contract.ts). */
export const clusterSummarySchema = z.object({
  name: z.string(),
  kind: z.string(),
  revision: z.number().int(),
  health: z.enum(['pending', 'healthy', 'degraded', 'down']),
  reason: z.string(),
  hint: z.string().optional(),
  members: z.number().int(),
  ready: z.number().int(),
  updatedAt: iso,
  rollout: z.object({ id: z.string(), state: z.enum(['running', 'paused']) }).optional(),
});

/** MemberStatus (shared domain.ts); kind-specific probe values (syncedFollowers, underReplicated, ...) as more keys. */
export const memberStatusSchema = z.looseObject({
  instance: z.string(),
  host: z.string(),
  id: z.union([z.number(), z.string()]),
  address: z.string(),
  port: z.number().int(),
  role: z.string(),
  mode: z.string(),
  leading: z.boolean(),
  restartRank: z.number().int(),
  process: z.enum(['running', 'stopped', 'crashed', 'starting', 'unknown']),
  lastProbe: isoOrNull,
  detail: z.string(),
  pid: z.number().int(),
  restarts: z.number().int(),
  logs: z.array(z.string()).optional(),
  stoppedByOperator: z
    .object({ by: z.string(), at: iso, reason: z.string(), forced: z.boolean() })
    .optional(),
  failure: z
    .object({
      exitCode: z.number().int().nullable(),
      signal: z.string().nullable(),
      exitedAt: iso,
      logFile: z.string(),
      logTail: z.array(z.string()),
    })
    .optional(),
});

/** FailoverView (contract.ts). */
export const failoverViewSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  trigger: z.enum(['auto', 'operator']),
  author: z.string(),
  reason: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  epoch: z.number().int(),
  state: z.enum(['running', 'completed', 'failed']),
  step: z.string(),
  rollout: z.string().nullable(),
  waiting: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
  elapsedMs: z.number(),
  steps: z.array(z.object({ step: z.string(), at: iso, reason: z.string() })),
});

/** ClusterView (contract.ts); `spec` is the stored spec of the cluster's kind. */
export const clusterViewSchema = z.object({
  name: z.string(),
  kind: z.string(),
  revision: z.number().int(),
  spec: z.looseObject({ name: z.string(), kind: z.string() }),
  updatedAt: iso,
  status: z.object({
    health: z.enum(['pending', 'healthy', 'degraded', 'down']),
    reason: z.string(),
    hint: z.string().optional(),
    members: z.array(memberStatusSchema),
    activeNimbus: z.string().optional(),
    lastFailover: failoverViewSchema.optional(),
  }),
});

/** AppliedCluster (contract.ts): `PUT /v1/clusters/{name}` and each entry of `POST /v1/apply`. */
export const appliedClusterSchema = z.looseObject({
  name: z.string(),
  revision: z.number().int(),
  changed: z.boolean(),
  rollout: z.string().optional(),
  restartOrder: z.array(z.string()).optional(),
  restartPending: z.array(z.string()).optional(),
  membershipSteps: z.array(z.string()).optional(),
  warnings: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
});

/** RolloutView (contract.ts). */
export const rolloutViewSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  action: z.string(),
  revision: z.number().int(),
  state: z.string(),
  reason: z.string(),
  options: z.looseObject({
    action: z.string(),
    batchSize: z.literal(1),
    pauseBetweenSec: z.number(),
    gateTimeoutSec: z.number(),
    onGateTimeout: z.enum(['pause', 'abort', 'rollback']),
  }),
  createdAt: iso,
  updatedAt: iso,
  startedAt: isoOrNull,
  plan: z.array(z.string()),
  steps: z.array(
    z.object({
      index: z.number().int(),
      op: z.string(),
      phase: z.number().int(),
      instance: z.string(),
      host: z.string(),
      state: z.string(),
      requestedAt: isoOrNull,
      finishedAt: isoOrNull,
      elapsedMs: z.number().nullable(),
      note: z.string(),
    }),
  ),
  current: z
    .object({ instance: z.string(), phase: z.string(), waitingFor: z.string(), gates: z.array(gate) })
    .nullable(),
  waiting: z.string().nullable(),
});

/** `GET /v1/clusters/{name}/revisions`. */
export const revisionsSchema = z.object({
  revisions: z.array(
    z.object({ revision: z.number().int(), author: z.string(), message: z.string(), createdAt: iso }),
  ),
});

/** `GET /v1/events`. */
export const eventsSchema = z.object({
  events: z.array(
    z.object({
      id: z.number().int(),
      at: iso,
      type: z.string(),
      cluster: z.string().nullable(),
      host: z.string().nullable(),
      message: z.string(),
    }),
  ),
});

/** A loosely described answer: an object whose keys this document does not list (see the route's description). */
export const looseObjectSchema = z.looseObject({});

/** ClusterPreviewView (changes/host-checks.ts): the answer of a dry run; instance entries not detailed. */
export const clusterPreviewSchema = z.looseObject({
  name: z.string(),
  instances: z.array(z.looseObject({})),
  warnings: z.array(z.string()),
});
