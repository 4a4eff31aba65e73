/**
 * Checks of the control plane's REST responses, whose shapes are the server's own (api/contract.ts): the CLI renders whatever fields are present, but refuses a body whose top-level shape is
 * wrong rather than printing an empty table that looks like "no hosts".
 */
import { HactlError } from '@hactl/shared/errors';

export type {
  AppliedCluster,
  ClusterSummary,
  ClusterView as ClusterDetail,
  HostFacts,
  HostView,
  MemberFailure,
  MemberStatus,
} from '../api/contract.js';
import type { AppliedCluster, ClusterSummary, ClusterView, HostView } from '../api/contract.js';

/** The part of an applied cluster (`AppliedCluster`) every apply answer has. */
export type PutClusterResult = Pick<AppliedCluster, 'name' | 'revision' | 'changed'>;

/** Thrown when a 2xx body does not have the contract's shape. */
export class ResponseShapeError extends HactlError {
  constructor(what: string) {
    super('bad_response', `unexpected response from the control plane: ${what}`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listField(body: unknown, key: string): Record<string, unknown>[] {
  if (!isRecord(body) || !Array.isArray(body[key]))
    throw new ResponseShapeError(`expected an object with a "${key}" list`);
  const list = body[key] as unknown[];
  if (!list.every(isRecord)) throw new ResponseShapeError(`every entry of "${key}" must be an object`);
  return list;
}

export function checkHostList(body: unknown): HostView[] {
  return listField(body, 'hosts') as unknown as HostView[];
}

export function checkClusterList(body: unknown): ClusterSummary[] {
  return listField(body, 'clusters') as unknown as ClusterSummary[];
}

export function checkClusterDetail(body: unknown): ClusterView {
  if (!isRecord(body) || typeof body.name !== 'string')
    throw new ResponseShapeError('expected a cluster object with a "name"');
  const status = body.status;
  if (!isRecord(status)) throw new ResponseShapeError('expected a "status" object');
  listField(status, 'members');
  return body as unknown as ClusterView;
}

export function checkPutResult(body: unknown): PutClusterResult {
  if (
    !isRecord(body) ||
    typeof body.name !== 'string' ||
    typeof body.revision !== 'number' ||
    typeof body.changed !== 'boolean'
  ) {
    throw new ResponseShapeError('expected {name, revision, changed}');
  }
  return body as unknown as PutClusterResult;
}
