import { describe, expect, it } from 'vitest';
import { zkMember } from './testing-member.js';
import type { GateResult } from '@hactl/shared';
import { describeStep, type StepStatusInput } from './step-status.js';

const member = zkMember;
const degraded: GateResult = {
  gate: 'cluster-healthy',
  ok: false,
  reason: 'waiting: cluster is degraded: leader 2, 1/2 followers synced',
};
const base: StepStatusInput = {
  host: 'zk1',
  connected: true,
  leaseHeld: false,
  pidBefore: 101,
  requestedAt: 1000,
  obs: { process: 'running', pid: 101, detail: '', reportedAt: 2000 },
  member: member('follower'),
  ledAtRequest: false,
  configChange: true,
  clusterHealth: 'healthy',
  gates: [
    { gate: 'one-at-a-time', ok: true, reason: 'no other member of the cluster is down for a restart' },
  ],
};

/** A new process reported after the request (at 1000). */
const newPid = { process: 'running', pid: 201, detail: '', reportedAt: 2000 };
/** `newPid`, probed at `probeAt`: serving or not. */
const probedAt = (probeAt: number, serves: boolean): Partial<StepStatusInput> => ({
  obs: { ...newPid, probeAt, answered: true, serves },
});
/** A running rollout with a 60 s gate timeout, 30 s after the request. */
const clock = { now: 31_000, gateTimeoutSec: 60 };

describe('rollout step status', () => {
  it.each<[string, Partial<StepStatusInput>, string, string]>([
    [
      'agent not connected → the command waits for it',
      { connected: false },
      'waiting-agent',
      'waiting for the agent on zk1 to connect; the restart is sent when it does',
    ],
    [
      'gates fail → waiting for the lease, each failing gate once (no "waiting: waiting")',
      { gates: [degraded] },
      'waiting-lease',
      'waiting for the restart lease: cluster-healthy: cluster is degraded: leader 2, 1/2 followers synced',
    ],
    [
      'gates hold → the agent has not taken the lease yet',
      {},
      'waiting-lease',
      'waiting for the agent to take the restart lease (all gates hold)',
    ],
    [
      'lease held, old process still up → stopping it',
      { leaseHeld: true },
      'restarting',
      'holds the restart lease; stopping the old process',
    ],
    [
      'lease held, process starting → restarting, not "waiting for the lease"',
      {
        leaseHeld: true,
        obs: { process: 'starting', pid: 0, detail: '', reportedAt: 2000 },
        gates: [degraded],
      },
      'restarting',
      'restarting under its lease (process starting)',
    ],
    [
      "lease held, crashed → crash-looping with the agent's reason",
      {
        leaseHeld: true,
        obs: { process: 'crashed', pid: 0, detail: 'spawn failed: ENOENT', reportedAt: 2000 },
      },
      'crash-looping',
      'restarted under its lease but crashing: spawn failed: ENOENT',
    ],
    [
      'lease held, new pid → waiting for it to serve',
      { leaseHeld: true, obs: { process: 'running', pid: 201, detail: '', reportedAt: 2000 } },
      'restarting',
      'restarted (pid 101 → 201); waiting for it to serve again',
    ],
    [
      'the leader restarting last while the cluster is down → named as the planned step',
      {
        leaseHeld: true,
        ledAtRequest: true,
        member: member('unknown'),
        clusterHealth: 'down',
        obs: { process: 'starting', pid: 0, detail: '', reportedAt: 2000 },
      },
      'restarting',
      'restarting under its lease (process starting); the cluster is down while its leader restarts: the planned step of leader last',
    ],
    [
      'an Elasticsearch master-eligible node that is not the elected master (restart rank 1) → not called the leader',
      {
        leaseHeld: true,
        member: { ...member('member'), leading: false, restartRank: 1 },
        clusterHealth: 'degraded',
        obs: { process: 'starting', pid: 0, detail: '', reportedAt: 2000 },
      },
      'restarting',
      'restarting under its lease (process starting); the cluster is degraded while this member restarts: expected during this step',
    ],
    [
      'a follower restarting while the cluster is degraded → expected',
      {
        leaseHeld: true,
        clusterHealth: 'degraded',
        obs: { process: 'running', pid: 201, detail: '', reportedAt: 2000 },
      },
      'restarting',
      'restarted (pid 101 → 201); waiting for it to serve again; the cluster is degraded while this member restarts: expected during this step',
    ],
    [
      "lease released, new pid not probed since, rollout paused → no pass finishes it: the agent's result or a resume",
      { obs: newPid, gates: [degraded] },
      'finishing',
      "restarted (pid 101 → 201); the rollout is paused: its agent's result finishes the step, " +
        'and so does a resume if by then it serves on its new process and config (else the resume asks for it again)',
    ],
    [
      "an operator's restart (no config change), paused → the resume needs only the new process",
      { obs: newPid, gates: [degraded], configChange: false },
      'finishing',
      "restarted (pid 101 → 201); the rollout is paused: its agent's result finishes the step, " +
        'and so does a resume if by then it serves on its new process (else the resume asks for it again)',
    ],
    [
      'lease released, new pid serving since the request, rollout paused → not "done at the next pass"',
      probedAt(1500, true),
      'finishing',
      "restarted (pid 101 → 201) and serves; the rollout is paused: its agent's result finishes the step, " +
        'and so does a resume if by then it serves on its new process and config (else the resume asks for it again)',
    ],
    [
      'zookeeper: lease released, new pid probed not serving (no quorum) → not serving yet, and when the step fails',
      { ...probedAt(1500, false), clock },
      'finishing',
      "restarted (pid 101 → 201), holds no lease and is not serving yet: waiting for it to serve or for the agent's result; the step fails in 30s (gate timeout 60s)",
    ],
    [
      'membership: restarted onto the new list, not serving, a removed member leads again → says so',
      { ...probedAt(1500, false), clock, strandedBy: { idx: 0, instance: 'zk/zk-5' } },
      'finishing',
      "restarted (pid 101 → 201), holds no lease and is not serving yet: waiting for it to serve or for the agent's result; " +
        "zk/zk-5 leads again after its handover (step 0), and a member on this phase's member list cannot follow it: " +
        'it rejoins once another member leads; the step fails in 30s (gate timeout 60s)',
    ],
    [
      'membership: the same, paused → says so after what finishes the step',
      { ...probedAt(1500, false), strandedBy: { idx: 0, instance: 'zk/zk-5' } },
      'finishing',
      "restarted (pid 101 → 201); the rollout is paused: its agent's result finishes the step, and so does a resume " +
        'if by then it serves on its new process and config (else the resume asks for it again); zk/zk-5 leads again after its ' +
        "handover (step 0), and a member on this phase's member list cannot follow it: it rejoins once another member leads",
    ],
    [
      'membership: paused, and it serves after all → no word of the member that led again (another leads now)',
      { ...probedAt(1500, true), strandedBy: { idx: 0, instance: 'zk/zk-5' } },
      'finishing',
      "restarted (pid 101 → 201) and serves; the rollout is paused: its agent's result finishes the step, " +
        'and so does a resume if by then it serves on its new process and config (else the resume asks for it again)',
    ],
    [
      'lease released, new pid not serving, past the gate timeout → the step fails at the next pass',
      { ...probedAt(1500, false), clock: { ...clock, now: 61_001 } },
      'finishing',
      "restarted (pid 101 → 201), holds no lease and is not serving yet: waiting for it to serve or for the agent's result; the gate timeout (60s) has passed: the step fails at the next pass",
    ],
    [
      'lease released, new pid serving since the request → done at the next pass',
      { ...probedAt(1500, true), clock },
      'finishing',
      'restarted (pid 101 → 201) and serves; the step is done at the next pass',
    ],
    [
      'lease released, new pid, serving probe from before the request → not counted as serving',
      { ...probedAt(900, true), clock },
      'finishing',
      "restarted (pid 101 → 201), holds no lease and has not been probed since: waiting for it to serve or for the agent's result; the step fails in 30s (gate timeout 60s)",
    ],
    [
      'a handover restarted, lease released → finishing once another member leads',
      {
        op: 'handover',
        obs: { process: 'running', pid: 201, detail: '', reportedAt: 2000 },
        gates: [degraded],
      },
      'finishing',
      'restarted (pid 101 → 201); done once another member leads',
    ],
    [
      'a report from before the request does not count as restarted',
      { obs: { process: 'running', pid: 201, detail: '', reportedAt: 500 }, gates: [degraded] },
      'waiting-lease',
      'waiting for the restart lease: cluster-healthy: cluster is degraded: leader 2, 1/2 followers synced',
    ],
    [
      'member down before its turn → started without a lease',
      {
        obs: { process: 'crashed', pid: 0, detail: 'exited with code 1', reportedAt: 2000 },
        gates: [degraded],
      },
      'starting',
      'member is down (crashed: exited with code 1); the agent starts it on the current config, no lease needed',
    ],
    [
      'es: start step, the agent has not reported the new member since the request → awaits its start, not a lease',
      { op: 'start', pidBefore: 0, obs: { process: 'stopped', pid: 0, detail: '', reportedAt: 500 } },
      'starting',
      'waiting for the agent on zk1 to start the new member and report it running; no lease needed',
    ],
    [
      'es: start step, reported starting after the request → says so',
      { op: 'start', pidBefore: 0, obs: { process: 'starting', pid: 0, detail: '', reportedAt: 2000 } },
      'starting',
      'waiting for the agent on zk1 to start the new member and report it running (process starting); no lease needed',
    ],
    [
      'es: start step, new member runs, no probe answered since the request → awaits a probe',
      {
        op: 'start',
        pidBefore: 0,
        obs: { process: 'running', pid: 301, detail: '', reportedAt: 2000, probeAt: 900, answered: true },
      },
      'starting',
      'the new member runs (pid 301); waiting for it to answer a probe',
    ],
    [
      'es: start step, new member crashed → crash-looping with the reason',
      {
        op: 'start',
        pidBefore: 0,
        obs: { process: 'crashed', pid: 0, detail: 'exited with code 78', reportedAt: 2000 },
      },
      'crash-looping',
      'the new member crashed on its start: exited with code 78; its agent retries',
    ],
    [
      'es: start step, agent not connected → it starts the member when it connects',
      { op: 'start', connected: false },
      'waiting-agent',
      'waiting for the agent on zk1 to connect; it starts the new member when it does',
    ],
  ])('%s', (_scenario, patch, phase, text) => {
    expect(describeStep({ ...base, ...patch })).toEqual({ phase, text });
  });
});
