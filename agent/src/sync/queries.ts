import type { Command__Output } from '@hactl/proto';
import { clusterOfInstance, parseJsonInput, PROBE_QUERY, type StatusAnswer } from '@hactl/shared';
import { readTail } from './crash-cause.js';
import { checkDesiredInstance } from './desired.js';
import { InstanceManager } from './instances.js';
import { describeProcess, readRenderedFiles } from './files-query.js';

/**
 * Commands that only read: answered on every request (no journal, no lease), so the control plane
 * may ask again at will.
 *
 * - `check-distribution KIND INPUTS_JSON`: could an instance with these render inputs start on this
 *   host (package verified, launch command and files present)? For `hactl apply --dry-run`.
 * - `logs` on an instance, args `[service|out, LINES]`: the last lines of its log, for `hactl logs`.
 * - `files` on an instance: its rendered files as they are on disk (path, size, SHA-256, content),
 *   for `hactl files` (files-query.ts).
 * - `status` (no instance): every supervised instance's process, pid, start time and restarts, for
 *   `hactl status HOST`.
 */
export const QUERY_ACTIONS = new Set(['check-distribution', 'logs', 'files', 'status']);

/**
 * What this agent answers beyond the base protocol, sent in its hello (Hello.capabilities):
 * shared PROBE_QUERY on an instance, probe it now and send a status report carrying that probe
 * before the answer. Read only like the queries above, but answered by the reporter
 * (sync/reporter.ts `probeNow`), which owns the probes and the stream's reports (agent.ts); the
 * answer is `{"probedAtMs": N}` (agent clock).
 */
export const AGENT_CAPABILITIES: readonly string[] = [PROBE_QUERY];

/** The commands that take a member down under a lease and are journaled (agent.ts handleCommand). */
export const LEASE_ACTIONS = new Set(['restart', 'remove']);

/** Largest answer: the control plane keeps command output up to 64 KiB. */
const MAX_OUTPUT = 60 * 1024;

export interface DistributionCheckAnswer {
  ok: boolean;
  /** The package is not downloaded yet; the agent fetches and verifies it when the revision is applied. */
  packageMissing: boolean;
  problems: string[];
}

export interface LogsAnswer {
  file: string;
  /** Every log file the instance has, the service's own first. */
  files: string[];
  text: string;
}

/**
 * The log file `hactl logs` reads for an instance: `service` (its own log, the first of its log
 * files) or `out` (captured stdout/stderr), with all its log files.
 * @throws Error when this host does not run the instance.
 */
export function logFileOf(
  manager: InstanceManager,
  instanceId: string,
  which: string,
): { file: string; files: string[] } {
  const m = manager.instances.get(instanceId);
  if (!m) throw new Error(`this host does not run ${instanceId}`);
  const files = InstanceManager.logFiles(m.plan);
  return { file: which === 'out' ? m.plan.logFile : files[0]!, files };
}

export async function runQuery(manager: InstanceManager, cmd: Command__Output): Promise<string> {
  if (cmd.action === 'check-distribution') {
    const [kind = '', inputsJson = ''] = cmd.args;
    const inputs = parseJsonInput(inputsJson, 'the render inputs to check', { prefix: 'inputs' });
    // Checked like any desired instance from the wire (the instance need not exist here yet).
    const id = cmd.instanceId || 'check/check';
    const spec = checkDesiredInstance(
      { id, cluster: clusterOfInstance(id), kind, role: '', runState: 'running', inputs },
      'check',
    );
    const check = await manager.checkStartable(spec);
    const answer: DistributionCheckAnswer = {
      ok: check.ok,
      packageMissing: check.packageMissing,
      problems: check.problems,
    };
    return JSON.stringify(answer);
  }
  if (cmd.action === 'logs') {
    const [which = 'service', linesArg = '100'] = cmd.args;
    const { file, files } = logFileOf(manager, cmd.instanceId, which);
    const lines = Math.min(Math.max(1, Number.parseInt(linesArg, 10) || 100), 5000);
    const tail = (await readTail(file, MAX_OUTPUT)).split('\n');
    if (tail.at(-1) === '') tail.pop();
    const answer: LogsAnswer = { file, files, text: tail.slice(-lines).join('\n') };
    return JSON.stringify(answer);
  }
  if (cmd.action === 'files') {
    const m = manager.instances.get(cmd.instanceId);
    if (!m) throw new Error(`this host does not run ${cmd.instanceId}`);
    // JSON escaping can double a file's size in the answer: half the cap for contents.
    return JSON.stringify(await readRenderedFiles(m.spec, MAX_OUTPUT / 2));
  }
  if (cmd.action === 'status') {
    const processes = [...manager.instances.values()]
      .map((m) => describeProcess(m.spec, m.supervisor.status()))
      .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    const answer: StatusAnswer = { processes };
    return JSON.stringify(answer);
  }
  throw new Error(`unsupported query ${JSON.stringify(cmd.action)}`);
}
