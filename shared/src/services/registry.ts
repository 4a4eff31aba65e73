import { z } from 'zod';
import type { ClusterSpecBase } from '../domain.js';
import type { ErrorDetail } from '../errors.js';
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

/** Validates any cluster spec: the envelope first, then the kind's own schema. */
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
  return kind.validate(raw, fleet);
}
