import {
  NAME_RE,
  ValidationError,
  joinPath,
  parseJsonInput,
  serviceKind,
  type ErrorDetail,
} from '@hactl/shared';
import { desiredFromWire, type DesiredState__Output } from '@hactl/proto';
import { agentServiceKind } from '../services/registry.js';
import type { DesiredInstance } from './diff.js';

/**
 * One check for every desired state the agent acts on, wherever it comes from: the control
 * plane's stream, or the agent's own saved `applied-state.json` (issue 16 #7: a tampered but
 * well-formed state file was applied on resume without validation). Problems are named by field
 * path (`instances[2].inputs.confDir`); nothing is applied unless every instance passes.
 */

/** Instance ids are `<cluster>/<member>`; they name pid and state files (sanitised again there). */
const INSTANCE_ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
/** A member's role label: one role, or several joined by commas (Kafka `broker,controller`, ES `data_content,data_hot,ingest`). */
const ROLE_RE = /^[A-Za-z0-9._,-]{0,256}$/;
const MAX_INSTANCES = 1000;

export interface DesiredState {
  generation: number;
  instances: DesiredInstance[];
}

/**
 * Checks one desired instance (`inputs` already parsed from JSON) and parses its inputs with its
 * kind's schema. Throws a ValidationError naming every problem under `path`; returns the instance
 * with the kind's parsed inputs.
 */
export function checkDesiredInstance(raw: unknown, path: string): DesiredInstance {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`invalid desired instance at ${path}`, [
      {
        path,
        message: `must be an object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`,
      },
    ]);
  }
  const r = raw as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  const str = (key: string, re: RegExp, what: string): string => {
    const v = r[key];
    if (typeof v !== 'string' || !re.test(v))
      problems.push({
        path: joinPath(path, [key]),
        message:
          typeof v === 'string'
            ? `${JSON.stringify(v.slice(0, 80))} is not ${what}`
            : `must be a string (${what})`,
      });
    return typeof v === 'string' ? v : '';
  };
  // Both parts start with a letter, digit, "_" or "-": no "." or ".." segments.
  const id = str('id', INSTANCE_ID_RE, 'an instance id <cluster>/<member>');
  const cluster = str('cluster', NAME_RE, 'a cluster name');
  const kind = str('kind', /^[a-z]{1,32}$/, 'a service kind');
  const role = str('role', ROLE_RE, 'a role');
  const runState = r.runState;
  if (runState !== 'running' && runState !== 'stopped')
    problems.push({ path: joinPath(path, ['runState']), message: 'must be "running" or "stopped"' });
  if (kind && (!serviceKind(kind) || !agentServiceKind(kind)))
    problems.push({
      path: joinPath(path, ['kind']),
      message: `this agent cannot run instances of kind ${JSON.stringify(kind)}`,
    });
  if (problems.length) throw new ValidationError(`invalid desired instance at ${path}`, problems);
  let inputs: unknown;
  try {
    inputs = serviceKind(kind)!.parseInputs(r.inputs);
  } catch (err) {
    if (err instanceof ValidationError)
      throw new ValidationError(
        `invalid render inputs at ${path}`,
        err.details.map((d) => ({ path: `${path}.${d.path}`, message: d.message })),
      );
    throw err;
  }
  return { id, cluster, kind, role, runState: runState as DesiredInstance['runState'], inputs };
}

/** Checks a whole desired state (`{generation, instances}`) of unknown shape; throws naming the field. */
export function checkDesiredState(raw: unknown): DesiredState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError('invalid desired state', [
      { path: '', message: 'must be an object {generation, instances}' },
    ]);
  const r = raw as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  if (typeof r.generation !== 'number' || !Number.isSafeInteger(r.generation) || r.generation < 0)
    problems.push({ path: 'generation', message: 'must be a non-negative integer' });
  if (!Array.isArray(r.instances)) problems.push({ path: 'instances', message: 'must be a list' });
  else if (r.instances.length > MAX_INSTANCES)
    problems.push({ path: 'instances', message: `at most ${MAX_INSTANCES}` });
  if (problems.length) throw new ValidationError('invalid desired state', problems);
  const instances = (r.instances as unknown[]).map((i, idx) => checkDesiredInstance(i, `instances[${idx}]`));
  checkUniqueIds(instances);
  return { generation: r.generation as number, instances };
}

/**
 * A desired state from the control plane's stream. Only the transport encoding is undone here (the
 * generation as a number, each instance's inputs from its JSON string, read with the same depth and
 * key limits as the saved file); every check is `checkDesiredState`'s, the one the saved state gets.
 */
export function parseWireDesired(d: DesiredState__Output): DesiredState {
  return checkDesiredState(
    desiredFromWire(d, (json, idx, id) =>
      parseJsonInput(json, `the render inputs of ${id.slice(0, 100)}`, {
        prefix: `instances[${idx}].inputs`,
      }),
    ),
  );
}

function checkUniqueIds(instances: readonly DesiredInstance[]): void {
  const seen = new Set<string>();
  instances.forEach((i, idx) => {
    if (seen.has(i.id))
      throw new ValidationError('invalid desired state', [
        { path: `instances[${idx}].id`, message: `${i.id} appears twice` },
      ]);
    seen.add(i.id);
  });
}
