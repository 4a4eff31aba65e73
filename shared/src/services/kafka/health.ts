import type { ClusterStatus, InstanceObservation, MemberStatus } from '../../domain.js';
import type { HealthInput } from '../types.js';
import { memberDetail, memberStatus, observe, pendingReason } from '../member.js';
import type { KafkaSpec } from './spec.js';
import type { KafkaInputs } from './inputs.js';
import type { KafkaProbe } from './parse.js';

interface Node {
  inputs: KafkaInputs;
  obs: InstanceObservation | undefined;
  fresh: boolean;
  probe: KafkaProbe | undefined;
  alive: boolean;
}

/** The value most probes agree on (first seen wins a tie); undefined when none reported one. */
function consensus<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

/**
 * Cluster health from node probes (service-facts §2.5; checked against real Kafka 3.9.2 and 4.1.1,
 * testdata/README.md).
 * - `healthy`: every node answers and is registered (ZK `/brokers/ids/<id>`, or in KRaft listed in
 *   Metadata); exactly one active controller that is itself live (ZooKeeper mode: the `/controller`
 *   brokerid; KRaft: the DescribeQuorum leader with a majority of voters live — never Metadata's
 *   controller_id, a random broker in KRaft, §0.9); every live broker's own partition view read (a
 *   broker whose metadata read failed is named: `no partition view from N`); no under-replicated
 *   and no offline partitions.
 * - `degraded`: a controller and at least one broker serve, but not everything is whole.
 * - `down`: no controller or no broker answers.
 * - `pending`: not applied or probed yet.
 */
export function checkKafkaHealth(input: HealthInput<KafkaSpec>): ClusterStatus {
  const { plans } = input;
  const n = plans.length;
  const kraft = input.spec.mode === 'kraft';
  const nodes: Node[] = plans.map((plan) => {
    const inputs = plan.inputs as KafkaInputs;
    const { obs, fresh, probe } = observe<KafkaProbe>(input, plan);
    const isBroker = inputs.roles.includes('broker');
    const alive = probe?.ok === true && (isBroker ? probe.registered === true : true);
    return { inputs, obs, fresh, probe, alive };
  });
  const answering = nodes.filter((x) => x.probe?.ok);
  const liveBrokers = nodes.filter((x) => x.alive && x.inputs.roles.includes('broker'));
  const brokerTotal = nodes.filter((x) => x.inputs.roles.includes('broker')).length;

  // The active controller, as the cluster itself reports it.
  let controller: number | undefined;
  let controllerNote = '';
  if (kraft) {
    const voters = nodes.filter((x) => x.inputs.roles.includes('controller'));
    const liveVoters = voters.filter((x) => x.alive).length;
    const majority = Math.floor(voters.length / 2) + 1;
    const leader = consensus(
      answering
        .map((x) => x.probe?.quorum?.leaderId)
        .filter((id): id is number => id !== undefined && id >= 0),
    );
    const leaderNode = voters.find((x) => x.inputs.id === leader);
    if (leader !== undefined && leaderNode?.alive && liveVoters >= majority) {
      controller = leader;
      const epoch =
        leaderNode.probe?.quorum?.leaderEpoch ??
        consensus(
          answering.map((x) => x.probe?.quorum?.leaderEpoch).filter((e): e is number => e !== undefined),
        );
      controllerNote = `quorum leader ${leader}${epoch !== undefined ? ` (epoch ${epoch})` : ''}, ${liveVoters}/${voters.length} voters`;
    } else {
      controllerNote =
        leader === undefined
          ? `no quorum leader (${liveVoters}/${voters.length} voters live, a majority is ${majority})`
          : `quorum leader ${leader} not confirmed (${liveVoters}/${voters.length} voters live, a majority is ${majority})`;
    }
  } else {
    const c = consensus(
      answering.map((x) => x.probe?.zkController).filter((id): id is number | null => id !== undefined),
    );
    // The service-facts §5 invariant: /controller.brokerid ∈ /brokers/ids.
    if (c !== undefined && c !== null && liveBrokers.some((x) => x.inputs.id === c)) {
      controller = c;
      controllerNote = `controller ${c}`;
    } else {
      controllerNote =
        c === undefined || c === null ? 'no controller' : `controller ${c} is not a live broker`;
    }
  }

  // Partition state is cluster-wide; take the worst fresh view so a lagging one cannot hide a problem.
  const urpViews = answering.map((x) => x.probe?.underReplicated).filter((v): v is number => v !== undefined);
  const offlineViews = answering.map((x) => x.probe?.offline).filter((v): v is number => v !== undefined);
  const urp = urpViews.length ? Math.max(...urpViews) : undefined;
  const offline = offlineViews.length ? Math.max(...offlineViews) : undefined;
  // A live broker whose own metadata read failed (its probe's error says why) is not whole: the
  // others' views may be current, but this broker's serving state is unknown.
  const blind = liveBrokers.filter((x) => x.probe?.underReplicated === undefined).map((x) => x.inputs.id);

  const members: MemberStatus[] = plans.map((plan, i) => {
    const { inputs, obs, fresh, probe, alive } = nodes[i]!;
    const isBroker = inputs.roles.includes('broker');
    const mode = !probe?.ok
      ? 'unknown'
      : controller === inputs.id
        ? 'controller'
        : isBroker
          ? 'broker'
          : 'voter';
    return memberStatus(
      plan,
      obs,
      input.hostNames,
      {
        id: inputs.id,
        address: inputs.address,
        port: inputs.port ?? inputs.controllerPort ?? 0,
        mode,
        leading: mode === 'controller',
        detail: memberDetail(obs, fresh, nodeFinding(probe, alive)),
      },
      { underReplicated: probe?.underReplicated, offline: probe?.offline, rack: inputs.rack || undefined },
    );
  });

  const noun = kraft ? 'nodes' : 'brokers';
  const liveCount = kraft ? nodes.filter((x) => x.alive).length : liveBrokers.length;
  const total = kraft ? n : brokerTotal;
  const parts = [`${liveCount}/${total} ${noun}`, controllerNote, `${urp ?? '?'} under-replicated`];
  if (offline) parts.push(`${offline} offline`);
  if (blind.length && urp !== undefined) parts.push(`no partition view from ${blind.join(',')}`);
  const summary = parts.join(', ');

  let health: ClusterStatus['health'];
  let reason: string;
  const pending = pendingReason(input, answering.length);
  if (n === 0) {
    health = 'pending';
    reason = 'no brokers';
  } else if (pending !== undefined) {
    health = 'pending';
    reason = pending;
  } else if (liveBrokers.length === 0 || controller === undefined) {
    health = 'down';
    reason = summary;
  } else if (nodes.every((x) => x.alive) && blind.length === 0 && urp === 0 && offline === 0) {
    health = 'healthy';
    reason = summary;
  } else {
    health = 'degraded';
    reason = summary;
  }
  return { health, reason, members };
}

/** What a fresh probe says is wrong with a node, if anything. */
function nodeFinding(probe: KafkaProbe | undefined, alive: boolean): string | undefined {
  if (probe?.error) return probe.error;
  return probe?.ok && !alive ? 'listener answers but the broker is not registered' : undefined;
}
