import { z } from 'zod';
import type { ClusterSpecBase } from '../domain.js';
import { PlanError, type ErrorDetail } from '../errors.js';
import { checkClaims } from './claims.js';
import type { FleetContext, ServiceKind, ValidationResult } from './types.js';
import { zookeeperKind } from './zookeeper/index.js';
import { stormKind } from './storm/index.js';
import { elasticsearchKind } from './elasticsearch/index.js';
import { kafkaKind } from './kafka/index.js';
import { nameSchema, zodDetails } from '../config-values.js';

/** Every service kind hactl manages. Adding a kind means one new folder and one line here. */
const KINDS: Record<string, ServiceKind<ClusterSpecBase, unknown>> = {
  zookeeper: zookeeperKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  storm: stormKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  elasticsearch: elasticsearchKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
  kafka: kafkaKind as unknown as ServiceKind<ClusterSpecBase, unknown>,
};

export const PLANNED_KINDS: string[] = [];

export function serviceKind(kind: string): ServiceKind<ClusterSpecBase, unknown> | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}

export function knownKinds(): string[] {
  return Object.keys(KINDS);
}

const envelope = z.object({ name: nameSchema, kind: z.string() }).passthrough();

/**
 * Validates any cluster spec: the envelope first, then the kind's own validation, then the ports
 * and directories its instances claim (each kind's `claims()`, checked by checkClaims): no two
 * instances of the cluster, and no instance with itself, may share a port or an overlapping
 * directory on one host. Clashes are located at the member's field path (the kind's `memberPath`,
 * e.g. `members[1]`); the message names both instances and what each claims. Clashes with other
 * clusters are the control plane's check (it holds their plans). A spec the kind accepts but
 * cannot plan (PlanError, e.g. a zookeeper member host gone) is refused with the planner's problem.
 */
export function validateClusterSpec(raw: unknown, fleet: FleetContext): ValidationResult<ClusterSpecBase> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: '', message: 'a cluster spec must be an object' }] };
  }
  const env = envelope.safeParse(raw);
  if (!env.success) return { ok: false, problems: zodDetails(env.error) };
  const kind = serviceKind(env.data.kind);
  if (!kind) {
    const problems: ErrorDetail[] = [
      {
        path: 'kind',
        message: PLANNED_KINDS.includes(env.data.kind)
          ? `kind ${JSON.stringify(env.data.kind)} is not supported by this control plane yet (supported: ${knownKinds().join(', ')})`
          : `unknown kind ${JSON.stringify(env.data.kind)} (supported: ${knownKinds().join(', ')})`,
      },
    ];
    return { ok: false, problems };
  }
  const result = kind.validate(raw, fleet);
  if (!result.ok) return result;
  const clashes = checkOwnClaims(kind, result.spec, fleet);
  return clashes.length ? { ok: false, problems: clashes } : result;
}

/**
 * Stands in for `randomId` when validation plans a cluster whose initial facts are not generated
 * yet (a KRaft cluster id): the 22-character base64url form the injected randomId gives. Facts do
 * not change what an instance claims.
 */
const PLACEHOLDER_ID = 'A'.repeat(22);

function checkOwnClaims(
  kind: ServiceKind<ClusterSpecBase, unknown>,
  spec: ClusterSpecBase,
  fleet: FleetContext,
): ErrorDetail[] {
  const facts = new Map(fleet.clusterFacts ?? []);
  facts.set(spec.name, { ...kind.initialFacts?.(spec, () => PLACEHOLDER_ID), ...facts.get(spec.name) });
  let plans;
  try {
    plans = kind.plan(spec, { ...fleet, clusterFacts: facts });
  } catch (err) {
    if (err instanceof PlanError) return [...err.details];
    throw err;
  }
  const byId = new Map(plans.map((p) => [p.id, p]));
  return checkClaims(fleet.hosts, [plans], spec.name).map((problem) => {
    const plan = byId.get(problem.path);
    const path = plan && kind.memberPath(spec, plan, fleet.hosts);
    return path === undefined ? problem : { ...problem, path };
  });
}
