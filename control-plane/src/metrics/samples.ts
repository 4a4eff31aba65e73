/**
 * The fleet's gauges as samples, pure: computed from the same views the REST API answers with
 * (`GET /v1/clusters/{name}`, `GET /v1/hosts`, `GET /v1/rollouts/{id}`), so a scrape and a REST
 * call over one state say the same thing. Nothing here recomputes health or reads a probe: the
 * kinds' health rollups (shared/src/services/<kind>/health.ts) already put the probe values that
 * matter on their members (`syncedFollowers`, `underReplicated`, `clusterStatus`, `unassignedShards`).
 */
import { memberIsReady } from '@hactl/shared';
import type { ClusterView, HostView, MemberStatus, RolloutView } from '../api/contract.js';

/** One sample of a gauge: its labels (names as in GAUGES) and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** What one scrape reads: every cluster's view, every host, the running or paused rollouts. */
export interface FleetState {
  clusters: readonly ClusterView[];
  hosts: readonly HostView[];
  rollouts: readonly RolloutView[];
}

/** Every health a cluster can have: `hactl_cluster_health` is a state set over these. */
export const HEALTH_STATES = ['pending', 'healthy', 'degraded', 'down'] as const;
/** Elasticsearch `_cluster/health` colours: `hactl_elasticsearch_cluster_status` is a state set over these. */
export const ES_STATUSES = ['green', 'yellow', 'red'] as const;

/**
 * A probe value a kind's health rollup puts on its members, as one gauge labelled by cluster and
 * member. `read` gives the member's value: a number, or for a state set (`states`) one of the
 * states, which is 1 and the others 0 (label `status`). Anything else means no sample.
 */
interface ProbeGauge {
  name: string;
  help: string;
  states?: readonly string[];
  read(m: MemberStatus): unknown;
}

/** The probe gauges, in /metrics order; planFleetSamples walks them once per member. */
const PROBE_GAUGES = [
  {
    name: 'hactl_zookeeper_synced_followers',
    help: 'zk_synced_followers reported by the ZooKeeper leader (mntr).',
    // Only the leader's: a follower's mntr has none to report.
    read: (m) => (m.leading ? m.syncedFollowers : undefined),
  },
  {
    name: 'hactl_kafka_under_replicated_partitions',
    help: 'Under-replicated partitions seen by the Kafka broker.',
    read: (m) => m.underReplicated,
  },
  {
    name: 'hactl_elasticsearch_cluster_status',
    help: 'Elasticsearch _cluster/health status seen by the node, as a state set over green, yellow, red.',
    states: ES_STATUSES,
    read: (m) => m.clusterStatus,
  },
  {
    name: 'hactl_elasticsearch_unassigned_shards',
    help: 'Unassigned shards in Elasticsearch _cluster/health seen by the node.',
    read: (m) => m.unassignedShards,
  },
] as const satisfies readonly ProbeGauge[];

type ProbeGaugeName = (typeof PROBE_GAUGES)[number]['name'];

/** The probe gauges as GAUGES entries: name → help and label names. */
function probeGaugeDefs(): Record<ProbeGaugeName, { help: string; labels: readonly string[] }> {
  const defs = {} as Record<ProbeGaugeName, { help: string; labels: readonly string[] }>;
  for (const g of PROBE_GAUGES)
    defs[g.name] = {
      help: g.help,
      labels: 'states' in g ? ['cluster', 'member', 'status'] : ['cluster', 'member'],
    };
  return defs;
}

/** The gauges read at scrape time: name → help text and label names (Prometheus conventions). */
export const GAUGES = {
  hactl_cluster_health: {
    help: 'Cluster health as a state set: 1 for the current health, 0 for the others (GET /v1/clusters health).',
    labels: ['cluster', 'kind', 'health'],
  },
  hactl_cluster_members: {
    help: 'Members planned in the cluster (GET /v1/clusters members).',
    labels: ['cluster', 'kind'],
  },
  hactl_cluster_members_ready: {
    help: 'Members running and answering their probe (GET /v1/clusters ready).',
    labels: ['cluster', 'kind'],
  },
  hactl_cluster_leader_present: {
    help: 'Whether a member leads the cluster now: ZooKeeper leader, Kafka controller, Elasticsearch elected master, Storm leader nimbus.',
    labels: ['cluster', 'kind'],
  },
  hactl_member_up: {
    help: 'Whether the member runs and answers its probe (process running, mode known).',
    labels: ['cluster', 'kind', 'member', 'host', 'role'],
  },
  hactl_member_leading: {
    help: 'Whether the member leads its cluster now.',
    labels: ['cluster', 'kind', 'member', 'host'],
  },
  hactl_member_restarts: {
    help: 'Restarts of the member process counted by its agent since the agent started.',
    labels: ['cluster', 'kind', 'member', 'host'],
  },
  ...probeGaugeDefs(),
  hactl_hosts: {
    help: 'Hosts registered with the control plane.',
    labels: [],
  },
  hactl_agents_connected: {
    help: 'Agents with a live Connect stream to this control plane.',
    labels: [],
  },
  hactl_host_connected: {
    help: 'Whether the host agent has a live Connect stream.',
    labels: ['host'],
  },
  hactl_rollout_active: {
    help: 'Running or paused rollouts, 1 each (GET /v1/rollouts/{id} state).',
    labels: ['cluster', 'rollout', 'action', 'state'],
  },
  hactl_rollout_steps: {
    help: 'Steps of a running or paused rollout by step state.',
    labels: ['cluster', 'rollout', 'state'],
  },
  hactl_rollout_current_step: {
    help: 'Index of the step a running or paused rollout works on, labelled with its member and phase.',
    labels: ['cluster', 'rollout', 'member', 'phase'],
  },
  hactl_rollout_current_step_elapsed_seconds: {
    help: 'Seconds since the current step of a rollout was requested, as its view says (0 before its request).',
    labels: ['cluster', 'rollout', 'member'],
  },
} as const satisfies Record<string, { help: string; labels: readonly string[] }>;

export type GaugeName = keyof typeof GAUGES;

/** A member's id as a label: the kind's member id (myid, broker id, node name, `<role>-<host>`). */
function memberLabel(m: { id: number | string }): string {
  return String(m.id);
}

/**
 * Every gauge's samples for one state. A gauge whose value the views do not hold (no probe yet)
 * has no sample rather than a made-up 0: absent series are how Prometheus says "unknown".
 */
export function planFleetSamples(s: FleetState): Record<GaugeName, Sample[]> {
  const out = Object.fromEntries(Object.keys(GAUGES).map((k) => [k, [] as Sample[]])) as Record<
    GaugeName,
    Sample[]
  >;
  const add = (name: GaugeName, labels: Record<string, string>, value: number) =>
    out[name].push({ labels, value });

  for (const c of s.clusters) {
    const base = { cluster: c.name, kind: c.kind };
    const members = c.status.members;
    for (const h of HEALTH_STATES)
      add('hactl_cluster_health', { ...base, health: h }, c.status.health === h ? 1 : 0);
    add('hactl_cluster_members', base, members.length);
    add('hactl_cluster_members_ready', base, members.filter(memberIsReady).length);
    add('hactl_cluster_leader_present', base, members.some((m) => m.leading) ? 1 : 0);
    for (const m of members) {
      const who = { ...base, member: memberLabel(m), host: m.host };
      add('hactl_member_up', { ...who, role: m.role }, memberIsReady(m) ? 1 : 0);
      add('hactl_member_leading', who, m.leading ? 1 : 0);
      add('hactl_member_restarts', who, m.restarts);
      const probe = { cluster: c.name, member: memberLabel(m) };
      for (const g of PROBE_GAUGES) {
        const v = g.read(m);
        if ('states' in g) {
          if (typeof v === 'string')
            for (const st of g.states) add(g.name, { ...probe, status: st }, v === st ? 1 : 0);
        } else if (typeof v === 'number') add(g.name, probe, v);
      }
    }
  }

  add('hactl_hosts', {}, s.hosts.length);
  add('hactl_agents_connected', {}, s.hosts.filter((h) => h.connected).length);
  for (const h of s.hosts) add('hactl_host_connected', { host: h.name }, h.connected ? 1 : 0);

  for (const r of s.rollouts) {
    const base = { cluster: r.cluster, rollout: r.id };
    add('hactl_rollout_active', { ...base, action: r.action, state: r.state }, 1);
    const byState = new Map<string, number>();
    for (const st of r.steps) byState.set(st.state, (byState.get(st.state) ?? 0) + 1);
    for (const [state, n] of [...byState].sort(([a], [b]) => a.localeCompare(b)))
      add('hactl_rollout_steps', { ...base, state }, n);
    const cur = r.current && r.steps.find((st) => st.instance === r.current?.instance && st.state !== 'done');
    if (r.current && cur) {
      add('hactl_rollout_current_step', { ...base, member: cur.instance, phase: r.current.phase }, cur.index);
      add(
        'hactl_rollout_current_step_elapsed_seconds',
        { ...base, member: cur.instance },
        (cur.elapsedMs ?? 0) / 1000,
      );
    }
  }
  return out;
}
