import { HactlError, elasticsearch as shared, type elasticsearch } from '@hactl/shared';
import { errorText, pollUntil, type PollDeps } from '../poll.js';
import type { HttpNode } from '../http.js';
import type { RemovalOptions, RemovalReport } from '../types.js';
import { call, withNode } from './rest.js';

type Inputs = elasticsearch.ElasticsearchInputs;

/**
 * Removing an Elasticsearch node for good, as the elastic docs prescribe ("Add and remove nodes in
 * your cluster"; service-facts §4): a data node is drained first with the allocation filter
 * `cluster.routing.allocation.exclude._name`, and the filter is cleaned once the node is gone; a
 * master-eligible node is taken out of the voting configuration (`POST
 * _cluster/voting_config_exclusions?node_names=…`) before it stops, and the exclusions are cleared
 * (`DELETE _cluster/voting_config_exclusions`) once it has left. A node with both roles gets both,
 * the drain first.
 */

/**
 * Thrown when a removal must not start now (a red cluster): code `conflict`, retriable once the
 * cluster recovers.
 */
export class ElasticsearchRemovalRefusedError extends HactlError {
  constructor(message: string) {
    super('conflict', message, { retriable: true });
  }
}

/** Time for the drain and departure polls (interval 1 s by default). */
export type EsRemovalDeps = PollDeps;

/** The voting configuration and its exclusions (CoordinationMetadata), nothing else of the state. */
const VOTING_STATE_PATH = '/_cluster/state/metadata?filter_path=metadata.cluster_coordination';

/** A single request never waits longer than this, whatever the procedure's budget. */
const REQUEST_MS = 30_000;

/** Runs `fn` on the first of `candidates` that answers `GET /_cluster/health` (any 2xx). */
async function firstAnswering<T>(
  candidates: readonly { address: string; port: number }[],
  fn: (es: HttpNode) => Promise<T>,
): Promise<T> {
  const errors: string[] = [];
  for (const c of candidates) {
    const reached = await withNode(c, async (es) => {
      try {
        await call(es, 'GET', '/_cluster/health', undefined, 5000);
      } catch (err) {
        errors.push(`${c.address}:${c.port}: ${errorText(err)}`);
        return { ok: false as const };
      }
      return { ok: true as const, value: await fn(es) };
    });
    if (reached.ok) return reached.value;
  }
  throw new Error(`no Elasticsearch node answered: ${errors.join('; ') || 'none given'}`);
}

async function health(es: HttpNode): Promise<elasticsearch.ClusterHealthInfo> {
  return shared.parseClusterHealth(await call(es, 'GET', '/_cluster/health', undefined, REQUEST_MS));
}

/** Adds or removes `node` in the persistent exclusion list; says what it did. */
async function setExcluded(es: HttpNode, node: string, op: 'add' | 'remove'): Promise<string> {
  const current = shared.parseAllocationExcludes(
    await call(es, 'GET', '/_cluster/settings?flat_settings=true', undefined, REQUEST_MS),
  );
  const plan = shared.planExcludeNames(current.persistent, node, op);
  if (plan === 'unchanged')
    return `${shared.EXCLUDE_NAME_SETTING} already ${op === 'add' ? 'names' : 'leaves out'} ${node}`;
  await call(
    es,
    'PUT',
    '/_cluster/settings',
    { persistent: { [shared.EXCLUDE_NAME_SETTING]: plan.value } },
    REQUEST_MS,
  );
  return `${shared.EXCLUDE_NAME_SETTING} set to ${JSON.stringify(plan.value)}`;
}

/** Polls `check` until it says done; throws its last reason once `timeoutMs` has passed. */
async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<elasticsearch.DrainCheck>,
  deps: EsRemovalDeps,
): Promise<string> {
  const { result, timedOut } = await pollUntil(
    timeoutMs,
    () => check().catch((err: unknown) => ({ done: false, reason: errorText(err) })),
    (c) => c.done,
    deps,
    1000,
  );
  if (timedOut) throw new Error(`${what} not done after ${timeoutMs} ms: ${result.reason}`);
  return result.reason;
}

/**
 * Before node `inputs.nodeName` stops for good (AgentServiceKind.beforeRemoval), through the node
 * itself or else the first answering peer:
 * 1. refuses (ElasticsearchRemovalRefusedError) while the cluster is red — a drain then could move
 *    the last copies around while a primary is missing;
 * 2. a data node: adds it to `cluster.routing.allocation.exclude._name` (keeping other names) and
 *    waits until it holds no shard copy and the cluster is not red (`checkDrained`);
 * 3. a master-eligible node: `POST _cluster/voting_config_exclusions?node_names=<name>`, which
 *    returns once the node is out of the committed voting configuration (so stopping it cannot cost
 *    the quorum).
 * Idempotent (a second run finds the name already excluded). Throws when the drain does not finish
 * within `opts.timeoutMs` (e.g. no other node may take the shards), naming what is left.
 */
export async function beforeElasticsearchRemoval(
  inputs: Inputs,
  opts: RemovalOptions,
  deps: EsRemovalDeps = {},
): Promise<RemovalReport> {
  const name = inputs.nodeName;
  const via = [{ address: inputs.address, port: inputs.httpPort }, ...(opts.peers ?? [])];
  return firstAnswering(via, async (es) => {
    const actions: string[] = [];
    const h = await health(es);
    if (h.status === 'red')
      throw new ElasticsearchRemovalRefusedError(
        `cluster is red (${h.unassignedShards} unassigned shards): not removing ${name} now`,
      );
    if (shared.holdsShards(inputs.roles)) {
      actions.push(await setExcluded(es, name, 'add'));
      actions.push(
        await waitUntil(
          `drain of ${name}`,
          opts.timeoutMs,
          async () =>
            shared.checkDrained(
              (await health(es)).status,
              name,
              shared.parseShardsOnNode(
                await call(
                  es,
                  'GET',
                  '/_cat/shards?format=json&h=index,shard,prirep,state,node',
                  undefined,
                  REQUEST_MS,
                ),
                name,
              ),
            ),
          deps,
        ),
      );
    }
    if (shared.isMasterEligible(inputs.roles)) {
      const t = Math.max(1, Math.floor(Math.min(opts.timeoutMs, REQUEST_MS) / 1000));
      await call(
        es,
        'POST',
        `/_cluster/voting_config_exclusions?node_names=${encodeURIComponent(name)}&timeout=${t}s`,
        undefined,
        (t + 5) * 1000,
      );
      actions.push(`${name} excluded from the voting configuration`);
    }
    if (!actions.length) actions.push(`${name} holds no shards and is not master-eligible: nothing to move`);
    return { actions };
  });
}

/**
 * After node `inputs.nodeName` has stopped for good (AgentServiceKind.afterRemoval), through the
 * first answering of `opts.peers`: waits until the elected master no longer lists it in
 * `_cat/nodes`, then removes its name from `cluster.routing.allocation.exclude._name` (a data node)
 * and clears the voting configuration exclusions (a master-eligible node; `DELETE
 * _cluster/voting_config_exclusions` clears all of them and, with the default
 * `wait_for_removal=true`, only once every excluded node has left — so they are kept, and the
 * report says so, while they name another node too). Throws when the node is still
 * listed after `opts.timeoutMs` or no peer answers.
 */
export async function afterElasticsearchRemoval(
  inputs: Inputs,
  opts: RemovalOptions,
  deps: EsRemovalDeps = {},
): Promise<RemovalReport> {
  const name = inputs.nodeName;
  return firstAnswering(opts.peers ?? [], async (es) => {
    const actions: string[] = [];
    actions.push(
      await waitUntil(
        `departure of ${name}`,
        opts.timeoutMs,
        async () => {
          const nodes = shared.parseCatNodes(
            await call(es, 'GET', '/_cat/nodes?format=json&h=name', undefined, REQUEST_MS),
          );
          return nodes.some((n) => n.name === name)
            ? { done: false, reason: `${name} is still in the cluster` }
            : { done: true, reason: `${name} has left the cluster (${nodes.length} nodes)` };
        },
        deps,
      ),
    );
    if (shared.holdsShards(inputs.roles)) actions.push(await setExcluded(es, name, 'remove'));
    if (shared.isMasterEligible(inputs.roles)) {
      const voting = shared.parseVotingState(await call(es, 'GET', VOTING_STATE_PATH, undefined, REQUEST_MS));
      const others = voting.excluded.filter((n) => n !== name);
      if (others.length) {
        // DELETE clears every exclusion and waits for all excluded nodes to leave: not while another
        // node's removal still relies on its own.
        actions.push(`voting exclusions kept: they also name ${others.join(', ')}`);
      } else if (voting.excluded.length) {
        await call(es, 'DELETE', '/_cluster/voting_config_exclusions', undefined, REQUEST_MS + 5000);
        actions.push('voting configuration exclusions cleared');
      } else actions.push('no voting configuration exclusions left to clear');
    }
    return { actions };
  });
}
