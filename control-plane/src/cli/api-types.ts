/**
 * Shapes of the control plane's REST responses (see the REST contract in the CLI brief), with light
 * checks: the CLI renders whatever fields are present, but refuses a body whose top-level shape is
 * wrong rather than printing an empty table that looks like "no hosts".
 */
import { HactlError } from '@hactl/shared/errors';

export interface HostFacts {
  hostname?: string;
  os?: string;
  cpus?: number;
  memoryBytes?: number;
  agentVersion?: string;
  java?: string;
}

export interface HostView {
  id: string;
  name: string;
  address: string;
  connected: boolean;
  lastSeen: string | null;
  generation: number;
  appliedGeneration: number;
  /** Why the agent did not apply its desired state (e.g. it refused a control plane it does not follow). */
  applyError?: string;
  instances: number;
  agentVersion?: string;
  facts?: HostFacts;
}

export interface ClusterSummary {
  name: string;
  kind: string;
  revision: number;
  health: string;
  reason?: string;
  hint?: string;
  members: number;
  ready: number;
  updatedAt: string;
}

export interface MemberStatus {
  host: string;
  id: number | string;
  address?: string;
  port?: number;
  role?: string;
  mode: string;
  process: string;
  lastProbe: string | null;
  detail?: string;
  [extra: string]: unknown;
}

export interface ClusterDetail {
  name: string;
  kind: string;
  revision: number;
  spec: Record<string, unknown>;
  status: { health: string; reason?: string; hint?: string; members: MemberStatus[] };
}

export interface PutClusterResult {
  name: string;
  revision: number;
  changed: boolean;
}

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

export function checkClusterDetail(body: unknown): ClusterDetail {
  if (!isRecord(body) || typeof body.name !== 'string')
    throw new ResponseShapeError('expected a cluster object with a "name"');
  const status = body.status;
  if (!isRecord(status)) throw new ResponseShapeError('expected a "status" object');
  listField(status, 'members');
  return body as unknown as ClusterDetail;
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
