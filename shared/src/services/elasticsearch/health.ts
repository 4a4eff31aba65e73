import type { ClusterStatus, MemberStatus } from '../../domain.js';
import type { HealthInput } from '../types.js';
import { memberDetail, memberStatus, observe, pendingReason } from '../member.js';
import type { ElasticsearchSpec } from './spec.js';
import type { ElasticsearchInputs } from './inputs.js';
import { CLUSTER_UUID_FACT } from './plan.js';
import { elasticsearchProbeSchema, type ElasticsearchProbe } from './parse.js';

/**
 * Cluster health from node probes, judged from the elected master's view (`_cluster/health` and
 * `_cat/nodes` are master-node actions, so any node's answer is the master's).
 *
 * - `healthy`: every node answers HTTP and is listed in `_cat/nodes`, status green, one elected
 *   master. An HTTP answer alone is not enough: `GET /` answers without a master (service-facts §4.3).
 * - `degraded`: a master serves but the cluster is not whole (yellow, a node missing or not
 *   answering, nodes disagreeing on the master).
 * - `down`: red (a primary is unassigned) or no elected master.
 * - `pending`: the agents have not applied this revision yet or have not reported a probe.
 */
export function checkElasticsearchHealth(input: HealthInput<ElasticsearchSpec>): ClusterStatus {
  const { plans, observations } = input;
  const n = plans.length;
  const probes = new Map<string, ElasticsearchProbe>();
  for (const plan of plans) {
    const { probe } = observe<ElasticsearchProbe>(input, plan);
    if (probe) probes.set(plan.id, probe);
  }

  const answering = [...probes.values()].filter((p) => p.ok);
  const masterNames = [
    ...new Set(answering.map((p) => p.master).filter((m): m is string => m !== undefined)),
  ].sort();
  // The master's own answer when it has one, else any node's answer naming that master.
  const view =
    masterNames.length === 1
      ? (answering.find((p) => p.master === masterNames[0] && p.nodeName === masterNames[0]) ??
        answering.find((p) => p.master === masterNames[0]))
      : undefined;
  const joined = new Set(view?.nodes?.map((x) => x.name) ?? []);

  const members: MemberStatus[] = plans.map((plan) => {
    const inputs = plan.inputs as ElasticsearchInputs;
    const obs = observations.get(plan.id);
    const probe = probes.get(plan.id);
    const inCluster = probe?.ok === true && joined.has(inputs.nodeName);
    const elected = inCluster && inputs.nodeName === masterNames[0];
    return memberStatus(
      plan,
      obs,
      input.hostNames,
      {
        id: inputs.nodeName,
        address: inputs.address,
        port: inputs.httpPort,
        mode: !inCluster ? 'unknown' : elected ? 'master' : 'member',
        leading: elected,
        // Rolling restarts go data tiers first, master-eligible nodes after, the elected master last
        // (the upgrade docs' "master-eligible nodes last"; service-facts §4.7).
        restartRank: inputs.nodeName === masterNames[0] ? 2 : inputs.roles.includes('master') ? 1 : 0,
        detail: memberDetail(
          obs,
          probe !== undefined,
          nodeFinding(probe, view !== undefined && !inCluster, masterNames[0]),
        ),
      },
      {
        clusterStatus: probe?.clusterStatus || undefined,
        unassignedShards: probe?.unassignedShards,
        clusterUuid: probe?.clusterUuid || undefined,
      },
    );
  });

  const inClusterCount = members.filter((m) => m.mode !== 'unknown').length;
  let health: ClusterStatus['health'];
  let reason: string;
  const pending = pendingReason(input, answering.length);
  if (n === 0) {
    health = 'pending';
    reason = 'no nodes';
  } else if (masterNames.length > 1) {
    health = 'degraded';
    reason = `nodes disagree on the elected master (${masterNames.join(', ')})`;
  } else if (view) {
    const master = masterNames[0]!;
    const status = view.clusterStatus;
    const missing = members.filter((m) => m.mode === 'unknown').map((m) => String(m.id));
    const summary = `${status ?? 'status unknown'}, master ${master}, ${inClusterCount}/${n} nodes${missing.length ? ` (missing ${missing.join(', ')})` : ''}`;
    if (status === 'red') {
      health = 'down';
      reason = `${summary}; a primary shard is unassigned`;
    } else if (status === 'green' && inClusterCount === n) {
      health = 'healthy';
      reason = summary;
    } else {
      health = 'degraded';
      reason =
        status === 'yellow'
          ? `${summary}; ${view.unassignedShards ?? '?'} replica shards unassigned`
          : summary;
    }
  } else if (pending !== undefined) {
    health = 'pending';
    reason = pending;
  } else {
    health = 'down';
    reason = `no elected master (${answering.length}/${n} nodes answer HTTP)`;
  }
  return { health, reason, members };
}

/** What a fresh probe says is wrong with a node, if anything. */
function nodeFinding(
  probe: ElasticsearchProbe | undefined,
  notJoined: boolean,
  master: string | undefined,
): string | undefined {
  if (probe && !probe.ok) return probe.error ?? 'HTTP not answering';
  if (probe?.noMaster) return 'no elected master (master_not_discovered_exception)';
  if (notJoined) return `not in the cluster (not listed by master ${master})`;
  return probe?.error;
}

/**
 * The cluster uuid once health sees a formed cluster: an elected master (any shard status, red
 * included — formation is about the master, not the shards) answering with a uuid. Stored by the
 * control plane; the re-plan then drops `cluster.initial_master_nodes` (§4.1).
 */
export function learnElasticsearchFacts(
  _spec: ElasticsearchSpec,
  status: ClusterStatus,
): Record<string, string> {
  const master = status.members.find((m) => m.mode === 'master');
  const uuid = master?.clusterUuid;
  return typeof uuid === 'string' && uuid.length > 0 ? { [CLUSTER_UUID_FACT]: uuid } : {};
}

export function parseElasticsearchProbe(raw: unknown): ElasticsearchProbe {
  return elasticsearchProbeSchema.parse(raw);
}
