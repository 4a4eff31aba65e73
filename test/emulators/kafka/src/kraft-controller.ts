import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './log.js';
import type { Endpoint, TopicSpec } from './config.js';
import { ApiKey } from './api.js';
import { kafkaRequest } from './protocol-client.js';
import { Reader } from './wire.js';
import { assignReplicas, planPartitionState, planPreferredLeader, type PartitionState } from './partition-planner.js';
import type { DescribeQuorumResponse, QuorumReplica } from './messages.js';
import { ErrorCode } from './api.js';
import {
  decodeJson,
  encodeJson,
  type BrokerHeartbeat,
  type HostPort,
  type MetadataImage,
  type QuorumHeartbeat,
  type QuorumReply,
  type VoterInfo,
} from './kraft-messages.js';

export interface KraftControllerDeps {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly voters: readonly VoterInfo[];
  readonly metadataLogDir: string;
  readonly log: Logger;
  readonly now: () => number;
  readonly newTopicId: () => string;
  readonly electionTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly topics: readonly TopicSpec[];
  readonly topicCreateWaitMs: number;
  readonly autoLeaderRebalance: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
}

interface BrokerReg {
  endpoints: readonly Endpoint[];
  rack: string | null;
  lastHeartbeat: number;
  fenced: boolean;
  shuttingDown: boolean;
  leo: number;
}

interface Topic {
  topicId: string;
  replicas: Map<number, readonly number[]>;
  states: Map<number, PartitionState>;
}

/**
 * A KRaft controller (voter). NOT Raft: voters exchange heartbeats on the controller listener; a
 * node that sees a majority of voters alive (heard within controller.quorum.fetch.timeout.ms), no
 * live leader, and is the lowest live id, becomes leader with epoch+1; a higher epoch always wins;
 * a leader that loses its majority steps down. The leader owns broker registrations (fencing after
 * broker.session.timeout.ms) and partition state, using the same planner as the ZK controller, and
 * replicates that image to the other voters so a new leader continues from it. Epoch and leader are
 * kept in `__cluster_metadata-0/quorum-state` like Kafka's QuorumStateStore JSON.
 */
export class KraftController {
  epoch = 0;
  leaderId = -1;
  private leo = 0;
  private lastSeen = new Map<number, number>();
  private peerLeo = new Map<number, number>();
  private brokers = new Map<number, BrokerReg>();
  private topics = new Map<string, Topic>();
  private missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt: number;
  private lastRebalance: number;
  private stopped = false;

  constructor(private readonly d: KraftControllerDeps) {
    this.startedAt = d.now();
    this.lastRebalance = d.now();
    const saved = this.readQuorumState();
    if (saved) this.epoch = saved.leaderEpoch;
  }

  get isLeader(): boolean {
    return this.leaderId === this.d.nodeId;
  }

  start(): void {
    const tickMs = Math.max(50, Math.min(250, Math.floor(this.d.electionTimeoutMs / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  /** Resign (a leader tells the others so they elect at once) and stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.isLeader) {
      this.d.log.info(`Resigning as leader in epoch ${this.epoch}`);
      await Promise.all(this.peers().map((v) => this.send(v, { ...this.heartbeat(), resign: true }).catch(() => undefined)));
    }
  }

  leaderEndpoint(): HostPort | null {
    const v = this.d.voters.find((x) => x.id === this.leaderId);
    return v ? { host: v.host, port: v.port } : null;
  }

  /** Handles a private message arriving on the controller listener. */
  async handle(body: Reader): Promise<Buffer> {
    const msg = decodeJson<QuorumHeartbeat | BrokerHeartbeat>(body);
    if (msg.clusterId !== this.d.clusterId) {
      return encodeJson({ ...this.reply(), error: `INCONSISTENT_CLUSTER_ID: expected ${this.d.clusterId}, got ${msg.clusterId}` });
    }
    if (msg.t === 'q') {
      if (msg.resign) {
        this.lastSeen.delete(msg.from);
        if (this.leaderId === msg.from) this.leaderId = -1;
      } else {
        this.lastSeen.set(msg.from, this.d.now());
        this.peerLeo.set(msg.from, msg.leo);
        this.observe(msg.epoch, msg.leaderId, msg.from);
        if (msg.image && msg.from === this.leaderId && !this.isLeader) this.adopt(msg.image, msg.leo);
      }
      return encodeJson(this.reply());
    }
    if (!this.isLeader) return encodeJson(this.reply());
    return encodeJson(await this.brokerHeartbeat(msg));
  }

  describeQuorum(): DescribeQuorumResponse {
    const now = BigInt(this.d.now());
    if (!this.isLeader) {
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: this.leaderId, leaderEpoch: this.epoch, highWatermark: -1n, voters: [], observers: [] };
    }
    const voters: QuorumReplica[] = this.d.voters.map((v) => {
      if (v.id === this.d.nodeId) return { replicaId: v.id, logEndOffset: BigInt(this.leo), lastFetchTimestamp: now, lastCaughtUpTimestamp: now };
      const seen = this.lastSeen.get(v.id);
      const fresh = seen !== undefined && this.d.now() - seen < this.d.fetchTimeoutMs;
      return {
        replicaId: v.id,
        logEndOffset: BigInt(fresh ? this.leo : (this.peerLeo.get(v.id) ?? -1)),
        lastFetchTimestamp: BigInt(seen ?? -1),
        lastCaughtUpTimestamp: BigInt(fresh ? (seen ?? -1) : -1),
      };
    });
    const voterIds = new Set(this.d.voters.map((v) => v.id));
    const observers: QuorumReplica[] = [...this.brokers.entries()]
      .filter(([id, b]) => !voterIds.has(id) && !b.fenced)
      .map(([id, b]) => ({ replicaId: id, logEndOffset: BigInt(this.leo), lastFetchTimestamp: BigInt(b.lastHeartbeat), lastCaughtUpTimestamp: BigInt(b.lastHeartbeat) }));
    return { errorCode: ErrorCode.NONE, leaderId: this.leaderId, leaderEpoch: this.epoch, highWatermark: BigInt(this.leo), voters, observers };
  }

  private peers(): VoterInfo[] {
    return this.d.voters.filter((v) => v.id !== this.d.nodeId);
  }

  private heartbeat(): QuorumHeartbeat {
    return {
      t: 'q',
      clusterId: this.d.clusterId,
      from: this.d.nodeId,
      epoch: this.epoch,
      leaderId: this.leaderId,
      leo: this.leo,
      image: this.isLeader ? this.image(true) : undefined,
    };
  }

  private reply(): QuorumReply {
    return {
      clusterId: this.d.clusterId,
      from: this.d.nodeId,
      epoch: this.epoch,
      leaderId: this.leaderId,
      leaderEndpoint: this.leaderEndpoint(),
      leo: this.leo,
      voters: this.d.voters,
    };
  }

  private async send(v: VoterInfo, msg: QuorumHeartbeat): Promise<QuorumReply> {
    const body = await kafkaRequest({ host: v.host, port: v.port, apiKey: ApiKey.EmulatorQuorum, apiVersion: 0, body: encodeJson(msg), timeoutMs: 500 });
    return decodeJson<QuorumReply>(new Reader(body));
  }

  private observe(epoch: number, leaderId: number, from: number): void {
    if (epoch > this.epoch) {
      this.setLeader(epoch, leaderId);
    } else if (epoch === this.epoch && leaderId !== -1) {
      if (this.leaderId === -1) this.setLeader(epoch, leaderId);
      else if (leaderId !== this.leaderId && from === leaderId) {
        // Two leaders in one epoch (two candidates raced): the lower id keeps it.
        this.setLeader(epoch, Math.min(leaderId, this.leaderId));
      }
    }
  }

  private setLeader(epoch: number, leaderId: number): void {
    const changed = epoch !== this.epoch || leaderId !== this.leaderId;
    this.epoch = epoch;
    this.leaderId = leaderId;
    if (!changed) return;
    if (leaderId === this.d.nodeId) {
      this.d.log.info(`Completed transition to Leader(localId=${this.d.nodeId}, epoch=${epoch}, highWatermark=${this.leo})`);
      for (const b of this.brokers.values()) b.lastHeartbeat = this.d.now();
    } else if (leaderId === -1) this.d.log.info(`Completed transition to Unattached(epoch=${epoch}, voters=[${this.d.voters.map((v) => v.id).join(', ')}])`);
    else this.d.log.info(`Completed transition to FollowerState(fetchTimeoutMs=${this.d.fetchTimeoutMs}, epoch=${epoch}, leader=${leaderId})`);
    this.writeQuorumState();
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.d.now();
    for (const v of this.peers()) {
      this.send(v, this.heartbeat()).then(
        (r) => {
          if (r.error || this.stopped) return;
          this.lastSeen.set(v.id, this.d.now());
          this.peerLeo.set(v.id, r.leo);
          this.observe(r.epoch, r.leaderId, r.from);
        },
        () => undefined,
      );
    }
    const live = new Set([this.d.nodeId, ...[...this.lastSeen].filter(([, t]) => now - t < this.d.fetchTimeoutMs).map(([id]) => id)]);
    const majority = Math.floor(this.d.voters.length / 2) + 1;
    if (this.isLeader && live.size < majority) {
      this.d.log.info(`Lost majority of voters (${live.size}/${this.d.voters.length} live), resigning`);
      this.setLeader(this.epoch, -1);
    } else if (this.leaderId !== -1 && !this.isLeader && !live.has(this.leaderId)) {
      this.setLeader(this.epoch, -1);
    }
    if (this.leaderId === -1 && live.size >= majority && Math.min(...live) === this.d.nodeId && now - this.startedAt >= this.d.electionTimeoutMs) {
      this.setLeader(this.epoch + 1, this.d.nodeId);
    }
    if (this.isLeader) {
      this.leo++;
      this.lead(now);
    }
  }

  private lead(now: number): void {
    for (const [id, b] of this.brokers) {
      if (!b.fenced && now - b.lastHeartbeat > this.d.brokerSessionTimeoutMs) {
        this.d.log.info(`Fencing broker ${id} because its session has timed out.`);
        b.fenced = true;
      }
    }
    this.reconcile(now);
    if (this.d.autoLeaderRebalance && now - this.lastRebalance >= this.d.leaderImbalanceCheckIntervalMs) {
      this.lastRebalance = now;
      const live = this.liveBrokers();
      for (const t of this.topics.values()) {
        for (const [p, replicas] of t.replicas) {
          const cur = t.states.get(p);
          const next = cur && planPreferredLeader(replicas, cur, live, this.epoch);
          if (next) t.states.set(p, next);
        }
      }
    }
  }

  private liveBrokers(): Set<number> {
    return new Set([...this.brokers].filter(([, b]) => !b.fenced && !b.shuttingDown).map(([id]) => id));
  }

  private reconcile(now: number): void {
    const live = new Set([...this.brokers].filter(([, b]) => !b.fenced).map(([id]) => id));
    const shutting = new Set([...this.brokers].filter(([, b]) => b.shuttingDown).map(([id]) => id));
    for (const spec of this.d.topics) {
      if (this.topics.has(spec.name)) continue;
      const since = this.missingSince.get(spec.name) ?? now;
      this.missingSince.set(spec.name, since);
      const ids = [...this.liveBrokers()];
      if (ids.length === 0 || (ids.length < spec.replicationFactor && now - since < this.d.topicCreateWaitMs)) continue;
      const replicas = new Map<number, readonly number[]>();
      assignReplicas(ids, spec.partitions, spec.replicationFactor).forEach((r, p) => replicas.set(p, r));
      this.topics.set(spec.name, { topicId: this.d.newTopicId(), replicas, states: new Map() });
      this.d.log.info(`Created topic ${spec.name} with ${spec.partitions} partition(s) and replication factor ${Math.min(spec.replicationFactor, ids.length)}`);
    }
    for (const [name, t] of this.topics) {
      for (const [p, replicas] of t.replicas) {
        const next = planPartitionState({ replicas, current: t.states.get(p), live, shuttingDown: shutting, controllerEpoch: this.epoch });
        if (next) {
          const prev = t.states.get(p);
          t.states.set(p, next);
          this.d.log.info(`Partition ${name}-${p}: leader ${prev?.leader ?? 'none'} -> ${next.leader}, isr [${(prev?.isr ?? []).join(',')}] -> [${next.isr.join(',')}]`);
        }
      }
    }
  }

  private async brokerHeartbeat(msg: BrokerHeartbeat): Promise<QuorumReply> {
    const now = this.d.now();
    let b = this.brokers.get(msg.id);
    if (!b) {
      this.d.log.info(`Registered broker ${msg.id} with endpoints ${msg.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(',')}`);
      b = { endpoints: msg.endpoints, rack: msg.rack, lastHeartbeat: now, fenced: false, shuttingDown: false, leo: msg.leo };
      this.brokers.set(msg.id, b);
    } else {
      if (b.fenced && !msg.wantShutDown) this.d.log.info(`Unfencing broker ${msg.id}`);
      b.endpoints = msg.endpoints;
      b.rack = msg.rack;
      b.lastHeartbeat = now;
      b.fenced = msg.wantShutDown ? b.fenced : false;
      b.shuttingDown = msg.wantShutDown;
    }
    let shutdownDone = false;
    if (msg.wantShutDown) {
      // Controlled shutdown: move leadership away, then fence the broker. [kafka BrokerHeartbeatManager]
      this.reconcile(now);
      b.fenced = true;
      this.reconcile(now);
      shutdownDone = true;
    } else this.reconcile(now);
    return { ...this.reply(), image: this.image(false), fenced: b.fenced, shutdownDone };
  }

  /** The metadata image: for voters all registrations, for brokers only unfenced ones. */
  private image(all: boolean): MetadataImage {
    return {
      brokers: [...this.brokers]
        .filter(([, b]) => all || !b.fenced)
        .map(([id, b]) => ({ id, endpoints: b.endpoints, rack: b.rack, fenced: b.fenced })),
      topics: [...this.topics].map(([name, t]) => ({
        name,
        topicId: t.topicId,
        partitions: [...t.replicas].map(([partition, replicas]) => ({ partition, replicas, state: t.states.get(partition) ?? null })),
      })),
    };
  }

  private adopt(image: MetadataImage, leo: number): void {
    this.leo = leo;
    const now = this.d.now();
    this.brokers = new Map(
      image.brokers.map((b) => [b.id, { endpoints: b.endpoints, rack: b.rack, lastHeartbeat: now, fenced: b.fenced, shuttingDown: false, leo }]),
    );
    this.topics = new Map(
      image.topics.map((t) => [
        t.name,
        {
          topicId: t.topicId,
          replicas: new Map(t.partitions.map((p) => [p.partition, p.replicas])),
          states: new Map(t.partitions.flatMap((p) => (p.state ? [[p.partition, p.state] as const] : []))),
        },
      ]),
    );
  }

  private quorumStatePath(): string {
    return path.join(this.d.metadataLogDir, '__cluster_metadata-0', 'quorum-state');
  }

  private readQuorumState(): { leaderEpoch: number } | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.quorumStatePath(), 'utf8')) as { leaderEpoch: number };
    } catch {
      return undefined;
    }
  }

  private writeQuorumState(): void {
    try {
      fs.mkdirSync(path.dirname(this.quorumStatePath()), { recursive: true });
      fs.writeFileSync(
        this.quorumStatePath(),
        JSON.stringify({
          clusterId: '',
          leaderId: this.leaderId,
          leaderEpoch: this.epoch,
          votedId: -1,
          appliedOffset: 0,
          currentVoters: this.d.voters.map((v) => ({ voterId: v.id })),
          data_version: 0,
        }),
      );
    } catch (err) {
      this.d.log.warn(`Failed to write quorum-state: ${(err as Error).message}`);
    }
  }
}
