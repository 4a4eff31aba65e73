import { EventEmitter } from 'node:events';
import { reroute } from './allocation.js';
import { emptyState, type ClusterState, type NodeInfo } from './cluster-state.js';
import { computeHealth, type HealthStatus } from './health.js';
import type { Logger } from './log.js';
import { L } from './log.js';
import { addNode, becomeMaster, describeNode, removeNodes, withReconfiguredVoting } from './master-tasks.js';
import type { HostPort, NodeConfig } from './node-config.js';
import type { PersistedCoordination } from './persisted-state.js';
import { isMasterEligible, roleAbbreviations } from './roles.js';
import { ConnectTransportError, RemoteTransportError, TransportHandlerError, type Handler } from './transport.js';
import { bootstrapConfig, hasQuorum } from './voting.js';
import { decideVote, formationMessage } from './coordination-rules.js';
import { runPublication } from './publication.js';

/**
 * Discovery, election, joining, publication and fault detection — a compact model of ES's
 * Coordinator (Zen2). Faithful in the rules that matter to an operator:
 * - a master is elected only by a majority of the last committed voting configuration, and only
 *   among master-eligible nodes; a node that already follows a live master refuses to vote (pre-vote);
 * - votes go to candidates whose last accepted state is at least as fresh (Raft-style safety);
 * - a fresh node bootstraps only from `cluster.initial_master_nodes` (majority of the names
 *   discovered, others as placeholders) or `discovery.type: single-node`; a node with persisted state
 *   ignores the bootstrap setting;
 * - a joining node with a different committed cluster UUID refuses the join with ES's message;
 * - a disconnected node (connection refused/closed) fails its check at once, a slow one after
 *   `retry_count` timeouts, as with ES's LeaderChecker/FollowersChecker.
 * Departures (documented in README): one-phase publication (followers apply on accept), the
 * leader commits once a majority of the old and new voting configurations acked.
 */
export type Mode = 'CANDIDATE' | 'LEADER' | 'FOLLOWER';

export interface CoordinatorDeps {
  config: NodeConfig;
  local: NodeInfo;
  logger: Logger;
  send: (to: HostPort, action: string, body: unknown, timeoutMs: number) => Promise<unknown>;
  persist: (c: PersistedCoordination) => void;
  persisted: PersistedCoordination | undefined;
  now: () => number;
  random: () => number;
  newUuid: () => string;
  recoveryDelayMs: number;
}

export class NotMasterError extends Error {}

interface PeersResponse {
  node: NodeInfo;
  master: NodeInfo | null;
  term: number;
  peers: string[];
}

const A = {
  peers: 'internal:discovery/request_peers',
  vote: 'internal:cluster/request_pre_vote_and_join',
  join: 'internal:cluster/coordination/join',
  validate: 'internal:cluster/coordination/join/validate',
  publish: 'internal:cluster/coordination/publish_state',
  commit: 'internal:cluster/coordination/commit_state',
  leaderCheck: 'internal:coordination/fault_detection/leader_check',
  followerCheck: 'internal:coordination/fault_detection/follower_check',
  leave: 'internal:cluster/coordination/leave',
} as const;

export class Coordinator {
  readonly events = new EventEmitter();
  mode: Mode = 'CANDIDATE';
  currentTerm: number;
  lastAccepted: ClusterState;
  applied: ClusterState;
  private leader: NodeInfo | null = null;
  private knownAddresses = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private electionAttempts = 0;
  private lastFormationWarning: number;
  private joining = false;
  private taskChain: Promise<unknown> = Promise.resolve();
  private followerFailures = new Map<string, number>();
  private leaderFailures = 0;
  private lastLeaderContact = 0;
  private rerouteTimer: NodeJS.Timeout | undefined;
  private lastHealth: HealthStatus | undefined;
  private readonly d: CoordinatorDeps;

  constructor(deps: CoordinatorDeps) {
    this.d = deps;
    this.currentTerm = deps.persisted?.currentTerm ?? 0;
    this.lastAccepted = deps.persisted?.lastAccepted ?? emptyState(deps.config.clusterName);
    // Until it joins a cluster the node applies an empty state: `GET /` shows cluster_uuid `_na_`.
    this.applied = { ...emptyState(deps.config.clusterName), nodes: { [deps.local.id]: deps.local } };
    this.lastFormationWarning = deps.now();
  }

  get localNode(): NodeInfo {
    return this.d.local;
  }

  get masterNode(): NodeInfo | null {
    return this.mode === 'LEADER' ? this.d.local : this.mode === 'FOLLOWER' ? this.leader : null;
  }

  handlers(): Map<string, Handler> {
    return new Map<string, Handler>([
      [A.peers, (b) => this.onPeers(b as { node: NodeInfo })],
      [A.vote, (b) => this.onVote(b as VoteRequest)],
      [A.join, (b) => this.onJoin(b as { node: NodeInfo; term: number })],
      [A.validate, (b) => this.onValidateJoin(b as { clusterUuid: string })],
      [A.publish, (b) => this.onPublish(b as { state: ClusterState })],
      [A.commit, (b) => this.onCommit(b as { term: number; version: number })],
      [A.leaderCheck, (b) => this.onLeaderCheck(b as { nodeId: string })],
      [A.followerCheck, (b) => this.onFollowerCheck(b as { term: number; leader: NodeInfo })],
      [A.leave, (b) => this.onLeave(b as { nodeId: string })],
    ]);
  }

  start(): void {
    const c = this.d.config;
    const md = this.lastAccepted.metadata;
    if (isMasterEligible(this.d.local.roles) && !c.singleNode) {
      // ClusterBootstrapService.logBootstrapState (8.x); the docs say to remove the setting once the
      // cluster has formed (service-facts 4.1), and ES warns when it is still there.
      const req = `[${c.initialMasterNodes.join(', ')}]`;
      if (!md.clusterUuidCommitted) {
        this.d.logger.info(L.bootstrapService, `this node has not joined a bootstrapped cluster yet; [cluster.initial_master_nodes] is set to ${req}`);
      } else if (c.initialMasterNodes.length === 0) {
        this.d.logger.info(L.bootstrapService, `this node is locked into cluster UUID [${md.clusterUuid}] and will not attempt further cluster bootstrapping`);
      } else {
        this.d.logger.warn(
          L.bootstrapService,
          `this node is locked into cluster UUID [${md.clusterUuid}] but [cluster.initial_master_nodes] is set to ${req}; remove this setting to avoid possible data loss caused by subsequent cluster bootstrap attempts; for further information see https://www.elastic.co/guide/en/elasticsearch/reference/8.17/important-settings.html#initial_master_nodes`,
        );
      }
    }
    if (this.lastAccepted.votingConfig.length === 0 && isMasterEligible(this.d.local.roles) && c.singleNode) {
      this.setVotingConfig([this.d.local.id]);
    }
    this.scheduleCandidateTick(0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.rerouteTimer) clearTimeout(this.rerouteTimer);
  }

  /** Best-effort notice to the master so it removes this node at once (ES: the master sees the disconnect). */
  async leave(): Promise<void> {
    const m = this.masterNode;
    if (this.mode === 'FOLLOWER' && m) {
      await this.d.send(addr(m), A.leave, { nodeId: this.d.local.id }, 1000).catch(() => undefined);
    }
  }

  private later(ms: number, fn: () => void | Promise<void>): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) void Promise.resolve(fn()).catch((err: unknown) => this.d.logger.warn(L.coordinator, `unexpected error: ${String(err)}`));
    }, ms);
    this.timers.add(t);
  }

  private persist(): void {
    this.d.persist({ currentTerm: this.currentTerm, lastAccepted: this.lastAccepted });
  }

  private setVotingConfig(ids: string[]): void {
    this.lastAccepted = { ...this.lastAccepted, votingConfig: ids };
    this.persist();
  }

  private debug(msg: string): void {
    this.d.logger.log('DEBUG', L.coordinator, msg);
  }

  private describe(n: NodeInfo): string {
    return describeNode(n, roleAbbreviations);
  }

  private applyState(next: ClusterState, reason: string): void {
    const prev = this.applied;
    this.applied = next;
    const prevMaster = prev.masterNodeId ? prev.nodes[prev.masterNodeId] : undefined;
    const nextMaster = next.masterNodeId ? next.nodes[next.masterNodeId] : undefined;
    const parts: string[] = [];
    if (prev.masterNodeId !== next.masterNodeId) {
      parts.push(`master node changed {previous [${prevMaster ? this.describe(prevMaster) : ''}], current [${nextMaster ? this.describe(nextMaster) : ''}]}`);
    }
    const added = Object.values(next.nodes).filter((n) => !prev.nodes[n.id] && n.id !== this.d.local.id);
    const removed = Object.values(prev.nodes).filter((n) => !next.nodes[n.id] && n.id !== this.d.local.id);
    if (added.length > 0) parts.push(`added {${added.map((n) => this.describe(n)).join(', ')}}`);
    if (removed.length > 0) parts.push(`removed {${removed.map((n) => this.describe(n)).join(', ')}}`);
    if (parts.length > 0 && this.mode !== 'LEADER') {
      this.d.logger.info(L.applier, `${parts.join(', ')}, term: ${next.term}, version: ${next.version}, reason: ${reason}`);
    }
    this.events.emit('applied', next);
  }

  // ---------------------------------------------------------------- candidate

  private becomeCandidate(reason: string): void {
    if (this.mode === 'CANDIDATE') return;
    const was = this.mode;
    this.mode = 'CANDIDATE';
    this.leader = null;
    this.lastFormationWarning = this.d.now();
    this.electionAttempts = 0;
    this.followerFailures.clear();
    if (this.rerouteTimer) clearTimeout(this.rerouteTimer);
    this.d.logger.info(L.coordinator, `${was === 'LEADER' ? 'stepping down as leader' : 'becoming candidate'}: ${reason}`);
    this.applyState({ ...this.applied, masterNodeId: null }, reason);
    this.events.emit('master', null);
    this.scheduleCandidateTick(0);
  }

  private scheduleCandidateTick(minDelay: number): void {
    const t = this.d.config.timings;
    // ElectionSchedulerFactory: random delay in (0, initial_timeout + attempts × back_off_time], capped at max_timeout.
    const bound = Math.min(t.electionInitialTimeoutMs + this.electionAttempts * t.electionBackOffMs, t.electionMaxTimeoutMs);
    this.electionAttempts++;
    this.later(Math.max(minDelay, 20 + Math.floor(this.d.random() * bound)), () => this.candidateTick());
  }

  private peerAddresses(): HostPort[] {
    // discovery.type single-node: no seed hosts are contacted.
    if (this.d.config.singleNode) return [];
    const out = new Map<string, HostPort>();
    const self = this.d.local.transportAddress;
    const add = (hp: HostPort): void => {
      const k = `${hp.host}:${hp.port}`;
      if (k !== self) out.set(k, hp);
    };
    this.d.config.seedHosts.forEach(add);
    for (const n of Object.values(this.lastAccepted.nodes)) if (isMasterEligible(n.roles)) add(addr(n));
    for (const n of Object.values(this.applied.nodes)) if (isMasterEligible(n.roles)) add(addr(n));
    for (const a of this.knownAddresses) add(parseAddr(a));
    return [...out.values()];
  }

  private async candidateTick(): Promise<void> {
    if (this.mode !== 'CANDIDATE' || this.stopped) return;
    const peers = await this.findPeers();
    if (this.mode !== 'CANDIDATE' || this.stopped) return;
    const masters = peers.map((p) => p.master).filter((m): m is NodeInfo => m !== null && m.id !== this.d.local.id);
    if (masters.length > 0) {
      await this.joinMaster(masters[0]!);
    } else if (isMasterEligible(this.d.local.roles)) {
      await this.maybeElect(peers);
    }
    this.maybeWarnFormation(peers);
    if (this.mode === 'CANDIDATE') this.scheduleCandidateTick(0);
  }

  private async findPeers(): Promise<PeersResponse[]> {
    const t = this.d.config.timings;
    const found = await Promise.all(
      this.peerAddresses().map((hp) =>
        this.d
          .send(hp, A.peers, { node: this.d.local }, Math.min(3000, t.findPeersIntervalMs * 3))
          .then((r) => r as PeersResponse)
          .catch(() => undefined),
      ),
    );
    const ok = found.filter((p): p is PeersResponse => p !== undefined);
    for (const p of ok) {
      for (const a of p.peers) this.knownAddresses.add(a);
      if (p.term > this.currentTerm && !isMasterEligible(this.d.local.roles)) this.currentTerm = p.term;
    }
    return ok;
  }

  private async maybeElect(peers: PeersResponse[]): Promise<void> {
    const c = this.d.config;
    const eligible = [this.d.local, ...peers.map((p) => p.node).filter((n) => isMasterEligible(n.roles))];
    if (this.lastAccepted.votingConfig.length === 0) {
      if (c.initialMasterNodes.length === 0) return;
      if (!c.initialMasterNodes.includes(this.d.local.name)) return;
      const config = bootstrapConfig(c.initialMasterNodes, eligible);
      if (!config) return;
      this.d.logger.info(
        L.bootstrapService,
        `setting initial configuration to VotingConfiguration{${config.join(',')}}`,
      );
      this.setVotingConfig(config);
    }
    const config = this.lastAccepted.votingConfig;
    if (!config.includes(this.d.local.id)) return;
    // Pre-vote: only stand when the discovered nodes could form a quorum.
    if (!hasQuorum(new Set(eligible.map((n) => n.id)), config)) return;
    await this.runElection(eligible.filter((n) => n.id !== this.d.local.id));
  }

  private async runElection(peers: NodeInfo[]): Promise<void> {
    const term = this.currentTerm + 1;
    this.debug(`starting election in term ${term} with peers [${peers.map((p) => p.name).join(', ')}]`);
    this.currentTerm = term;
    this.persist();
    const votes = new Map<string, NodeInfo>([[this.d.local.id, this.d.local]]);
    const req: VoteRequest = {
      term,
      candidate: this.d.local,
      lastAcceptedTerm: this.lastAccepted.term,
      lastAcceptedVersion: this.lastAccepted.version,
    };
    await Promise.all(
      peers.map(async (p) => {
        try {
          const r = (await this.d.send(addr(p), A.vote, req, 3000)) as { granted: boolean; term: number };
          if (r.granted) votes.set(p.id, p);
          else if (r.term > this.currentTerm) {
            this.currentTerm = r.term;
            this.persist();
          }
        } catch {
          // unreachable voter
        }
      }),
    );
    if (this.mode !== 'CANDIDATE' || this.currentTerm !== term) return;
    if (!hasQuorum(new Set(votes.keys()), this.lastAccepted.votingConfig)) {
      this.debug(`election in term ${term} lost: votes [${[...votes.values()].map((v) => v.name).join(', ')}]`);
      return;
    }
    await this.becomeLeader(term, [...votes.values()]);
  }

  private onVote(req: VoteRequest): { granted: boolean; term: number; reason?: string } {
    const r = decideVote(
      { term: req.term, candidateId: req.candidate.id, lastAcceptedTerm: req.lastAcceptedTerm, lastAcceptedVersion: req.lastAcceptedVersion },
      {
        currentTerm: this.currentTerm,
        mode: this.mode,
        liveLeaderId: this.mode === 'FOLLOWER' && this.leaderAlive() ? this.leader?.id : undefined,
        lastAcceptedTerm: this.lastAccepted.term,
        lastAcceptedVersion: this.lastAccepted.version,
      },
    );
    this.debug(`vote request from ${req.candidate.name} term ${req.term}: ${r.granted ? 'granted' : `refused (${r.reason})`}`);
    if (!r.granted) return { granted: false, term: this.currentTerm, reason: r.reason };
    this.currentTerm = req.term;
    this.persist();
    if (this.mode === 'FOLLOWER') this.becomeCandidate(`voted for ${req.candidate.name} in term ${req.term}`);
    return { granted: true, term: this.currentTerm };
  }

  private leaderAlive(): boolean {
    const t = this.d.config.timings;
    return this.d.now() - this.lastLeaderContact < t.leaderCheckIntervalMs * (t.leaderCheckRetryCount + 1) + 1000;
  }

  private maybeWarnFormation(peers: PeersResponse[]): void {
    const now = this.d.now();
    const every = this.d.config.timings.formationWarningTimeoutMs;
    if (this.mode !== 'CANDIDATE' || now - this.lastFormationWarning < every) return;
    this.lastFormationWarning = now;
    const msg = formationMessage({
      masterEligible: isMasterEligible(this.d.local.roles),
      votingConfig: this.lastAccepted.votingConfig,
      initialMasterNodes: this.d.config.initialMasterNodes,
      local: this.describe(this.d.local),
      discovered: peers.map((p) => this.describe(p.node)),
      addresses: this.peerAddresses().map((h) => `${h.host}:${h.port}`),
      currentTerm: this.currentTerm,
      lastAcceptedTerm: this.lastAccepted.term,
      lastAcceptedVersion: this.lastAccepted.version,
    });
    this.d.logger.warn(L.formation, msg);
  }

  // ---------------------------------------------------------------- joining

  private async joinMaster(master: NodeInfo): Promise<void> {
    if (this.joining) return;
    this.joining = true;
    try {
      await this.d.send(addr(master), A.join, { node: this.d.local, term: this.currentTerm }, 10_000);
    } catch (err) {
      const cause =
        err instanceof RemoteTransportError
          ? `org.elasticsearch.transport.RemoteTransportException: [${master.name}][${master.transportAddress}][${A.join}]\nCaused by: org.elasticsearch.cluster.coordination.CoordinationStateRejectedException: ${err.reason}`
          : String((err as Error).message);
      this.d.logger.info(
        L.joinHelper,
        `failed to join ${this.describe(master)} with JoinRequest{sourceNode=${this.describe(this.d.local)}, minimumTerm=${this.currentTerm}, optionalJoin=Optional.empty}\n${cause}`,
      );
    } finally {
      this.joining = false;
    }
  }

  private onPeers(_req: { node: NodeInfo }): PeersResponse {
    const peers = Object.values(this.applied.nodes)
      .filter((n) => isMasterEligible(n.roles))
      .map((n) => n.transportAddress);
    const master = this.mode === 'LEADER' ? this.d.local : this.mode === 'FOLLOWER' && this.leaderAlive() ? this.leader : null;
    return { node: this.d.local, master, term: this.currentTerm, peers };
  }

  private onValidateJoin(req: { clusterUuid: string }): null {
    const md = this.lastAccepted.metadata;
    if (md.clusterUuidCommitted && md.clusterUuid !== req.clusterUuid) {
      throw new TransportHandlerError(
        'coordination_state_rejected_exception',
        `This node previously joined a cluster with UUID [${md.clusterUuid}] and is now trying to join a different cluster with UUID [${req.clusterUuid}]. This is forbidden and usually indicates an incorrect discovery or cluster bootstrapping configuration. Note that the cluster UUID persists across restarts and can only be changed by deleting the contents of the node's data path [${this.d.config.dataPath}] which will also remove any data held by this node.`,
      );
    }
    return null;
  }

  private async onJoin(req: { node: NodeInfo; term: number }): Promise<null> {
    if (this.mode !== 'LEADER') throw new TransportHandlerError('coordination_state_rejected_exception', 'node is not the elected master');
    try {
      await this.d.send(addr(req.node), A.validate, { clusterUuid: this.applied.metadata.clusterUuid }, 10_000);
    } catch (err) {
      if (err instanceof RemoteTransportError) {
        throw new TransportHandlerError(err.type, `[${req.node.name}][${req.node.transportAddress}][${A.validate}] ${err.reason}`.replace(/^\[[^\]]*\]\[[^\]]*\]\[[^\]]*\] /, ''));
      }
      throw err;
    }
    const existing = this.applied.nodes[req.node.id];
    if (existing && existing.ephemeralId === req.node.ephemeralId) return null;
    if (existing) {
      // Same node id, new process: ES sees the old incarnation leave (its shard copies fail) first.
      await this.removeFailed([existing.id], 'restarted');
    }
    await this.submit(`node-join[${this.describe(req.node)} join existing leader]`, (s) => addNode(s, req.node));
    return null;
  }

  private async onLeave(req: { nodeId: string }): Promise<null> {
    if (this.mode !== 'LEADER' || !this.applied.nodes[req.nodeId]) return null;
    await this.removeFailed([req.nodeId], 'disconnected').catch(() => undefined);
    return null;
  }

  // ---------------------------------------------------------------- leader

  private async becomeLeader(term: number, voters: NodeInfo[]): Promise<void> {
    this.mode = 'LEADER';
    this.leader = this.d.local;
    this.followerFailures.clear();
    const prevMaster = this.applied.masterNodeId ? this.applied.nodes[this.applied.masterNodeId] : undefined;
    const first = becomeMaster(this.lastAccepted, this.d.local, term, voters, this.d.newUuid);
    // Transient settings survive a master change (they live in the applied state), not a full restart.
    first.metadata.transientSettings = { ...this.applied.metadata.transientSettings };
    first.routing = structuredClone(this.applied.routing);
    this.d.logger.info(
      L.masterService,
      `elected-as-master ([${voters.length}] nodes joined in term ${term}), term: ${term}, version: ${first.version}, delta: master node changed {previous [${prevMaster ? this.describe(prevMaster) : ''}], current [${this.describe(this.d.local)}]}`,
    );
    try {
      await this.publish(this.finish(first), 'elected-as-master');
      this.events.emit('master', this.d.local);
      this.scheduleFollowerChecks();
    } catch (err) {
      this.becomeCandidate(`failed to publish first state: ${(err as Error).message}`);
    }
  }

  /** Master service: serialised state updates, each rerouted and published. */
  submit(source: string, fn: (s: ClusterState) => ClusterState): Promise<ClusterState> {
    const run = async (): Promise<ClusterState> => {
      if (this.mode !== 'LEADER') throw new NotMasterError('no longer master');
      const base = this.applied;
      const changed = fn(base);
      if (changed === base) return base;
      const next = this.finish({ ...changed, term: this.currentTerm, version: base.version + 1 });
      await this.publish(next, source);
      return next;
    };
    const p = this.taskChain.then(run, run);
    this.taskChain = p.catch(() => undefined);
    return p;
  }

  private finish(s: ClusterState): ClusterState {
    const r = reroute(withReconfiguredVoting(s, this.d.config.autoShrinkVotingConfiguration), {
      nowMillis: this.d.now(),
      recoveryDelayMs: this.d.recoveryDelayMs,
      nodeSettings: this.d.config.settings,
    });
    if (r.events.length > 0) this.d.logger.log('DEBUG', L.allocation, r.events.join('; '));
    this.scheduleReroute(r.nextCheckAtMillis);
    return r.state;
  }

  private scheduleReroute(at: number | undefined): void {
    if (at === undefined || this.mode !== 'LEADER') return;
    if (this.rerouteTimer) clearTimeout(this.rerouteTimer);
    this.rerouteTimer = setTimeout(
      () => {
        this.rerouteTimer = undefined;
        if (this.mode === 'LEADER' && !this.stopped) void this.submit('reroute', (s) => ({ ...s })).catch(() => undefined);
      },
      Math.max(0, at - this.d.now()),
    );
  }

  private async publish(next: ClusterState, source: string): Promise<void> {
    const prevConfig = this.lastAccepted.votingConfig;
    this.lastAccepted = next;
    this.persist();
    const timeout = this.d.config.timings.publishTimeoutMs;
    const { committed, settled } = await runPublication(next, prevConfig, {
      selfId: this.d.local.id,
      publish: (t, state) => this.d.send(addr(t), A.publish, { state }, timeout),
      commit: (t, term, version) => this.d.send(addr(t), A.commit, { term, version }, timeout),
    });
    if (!committed) {
      throw new NotMasterError(`publication of cluster state version [${next.version}] in term [${next.term}] failed [${source}]: not enough acks`);
    }
    // Like ES's Publication, the master applies its own state last: after every follower applied the
    // commit (or failed, or cluster.publish.timeout passed), so a state seen on the master is on all nodes.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, timeout)))]);
    clearTimeout(timer);
    const state = next.metadata.clusterUuidCommitted ? next : { ...next, metadata: { ...next.metadata, clusterUuidCommitted: true } };
    if (state !== next) {
      this.lastAccepted = state;
      this.persist();
    }
    this.applyState(state, source);
    this.logHealthChange(state, source);
  }

  private logHealthChange(state: ClusterState, reason: string): void {
    const h = computeHealth(state).status;
    if (this.lastHealth !== undefined && h !== this.lastHealth) {
      const from = this.lastHealth.toUpperCase();
      const to = h.toUpperCase();
      this.d.logger.info(
        L.allocation,
        `current.health="${to}" message="Cluster health status changed from [${from}] to [${to}] (reason: [${reason}])." previous.health="${from}" reason="${reason}"`,
      );
    }
    this.lastHealth = h;
  }

  private scheduleFollowerChecks(): void {
    const t = this.d.config.timings;
    this.later(t.followerCheckIntervalMs, async () => {
      if (this.mode !== 'LEADER') return;
      const failed: string[] = [];
      await Promise.all(
        Object.values(this.applied.nodes)
          .filter((n) => n.id !== this.d.local.id)
          .map(async (n) => {
            try {
              await this.d.send(addr(n), A.followerCheck, { term: this.currentTerm, leader: this.d.local }, t.followerCheckTimeoutMs);
              this.followerFailures.delete(n.id);
            } catch (err) {
              const count = (this.followerFailures.get(n.id) ?? 0) + 1;
              this.debug(`follower check of ${n.name} failed (${count}): ${(err as Error).message}`);
              this.followerFailures.set(n.id, count);
              // A closed or refused connection fails the node at once (FollowersChecker: disconnected).
              if (err instanceof ConnectTransportError || err instanceof RemoteTransportError || count >= t.followerCheckRetryCount) failed.push(n.id);
            }
          }),
      );
      if (failed.length > 0 && this.mode === 'LEADER') await this.removeFailed(failed, 'disconnected').catch(() => undefined);
      if (this.mode === 'LEADER') this.scheduleFollowerChecks();
    });
  }

  private async removeFailed(ids: string[], reason: string): Promise<void> {
    const nodes = ids.map((id) => this.applied.nodes[id]).filter((n): n is NodeInfo => n !== undefined);
    if (nodes.length === 0) return;
    for (const id of ids) this.followerFailures.delete(id);
    const desc = nodes.map((n) => `${this.describe(n)} reason: ${reason}`).join(', ');
    this.d.logger.info(L.masterService, `node-left[${desc}], term: ${this.currentTerm}, version: ${this.applied.version + 1}, delta: removed {${nodes.map((n) => this.describe(n)).join(', ')}}`);
    try {
      await this.submit(`node-left[${desc}]`, (s) => removeNodes(s, ids));
    } catch (err) {
      this.becomeCandidate(`${(err as Error).message}`);
      throw err;
    }
  }

  private onLeaderCheck(req: { nodeId: string }): null {
    if (this.mode !== 'LEADER') throw new TransportHandlerError('coordination_state_rejected_exception', 'rejecting leader check since node is not the leader');
    // LeaderChecker uses the nodes of the state being published, not only the applied one: a node
    // that just joined checks its leader before the leader has applied the state that adds it.
    if (!this.applied.nodes[req.nodeId] && !this.lastAccepted.nodes[req.nodeId]) {
      throw new TransportHandlerError('coordination_state_rejected_exception', `rejecting leader check from [${req.nodeId}] sent to a node that is no longer the master`);
    }
    return null;
  }

  // ---------------------------------------------------------------- follower

  /** Phase 1 (PublicationTransportHandler): accept and persist, follow the sender; apply on commit. */
  private onPublish(req: { state: ClusterState }): null {
    const s = req.state;
    if (s.term < this.currentTerm) throw new TransportHandlerError('coordination_state_rejected_exception', `incoming term ${s.term} does not match current term ${this.currentTerm}`);
    const md = this.lastAccepted.metadata;
    if (md.clusterUuidCommitted && md.clusterUuid !== s.metadata.clusterUuid) {
      throw new TransportHandlerError('coordination_state_rejected_exception', `received cluster state from a different cluster with UUID [${s.metadata.clusterUuid}]`);
    }
    if (s.term === this.lastAccepted.term && s.version <= this.lastAccepted.version && this.mode === 'FOLLOWER') {
      return null; // stale duplicate
    }
    const leader = s.masterNodeId ? s.nodes[s.masterNodeId] : undefined;
    if (!leader) throw new TransportHandlerError('coordination_state_rejected_exception', 'published state has no master');
    this.currentTerm = s.term;
    this.lastAccepted = s;
    this.persist();
    const wasFollower = this.mode === 'FOLLOWER' && this.leader?.id === leader.id;
    this.mode = 'FOLLOWER';
    this.leader = leader;
    this.lastLeaderContact = this.d.now();
    if (!wasFollower) {
      this.leaderFailures = 0;
      this.scheduleLeaderChecks(leader.id);
    }
    return null;
  }

  /**
   * Phase 2 (ApplyCommitRequest): the leader reached a quorum. The cluster UUID becomes committed
   * here and only here, so a node whose first election failed keeps an uncommitted UUID and can
   * still join the cluster that did form.
   */
  private onCommit(req: { term: number; version: number }): null {
    const s = this.lastAccepted;
    if (s.term !== req.term || s.version !== req.version || this.mode !== 'FOLLOWER' || !this.leader) return null;
    const committed = s.metadata.clusterUuidCommitted ? s : { ...s, metadata: { ...s.metadata, clusterUuidCommitted: true } };
    if (committed !== s) {
      this.lastAccepted = committed;
      this.persist();
    }
    const newMaster = this.applied.masterNodeId !== committed.masterNodeId;
    this.applyState(committed, `ApplyCommitRequest{term=${req.term}, version=${req.version}, sourceNode=${this.describe(this.leader)}}`);
    if (newMaster) this.events.emit('master', this.leader);
    return null;
  }

  private onFollowerCheck(req: { term: number; leader: NodeInfo }): null {
    if (req.term < this.currentTerm) throw new TransportHandlerError('coordination_state_rejected_exception', `rejecting follower check with stale term ${req.term}`);
    if (this.mode === 'FOLLOWER' && this.leader?.id === req.leader.id) {
      this.lastLeaderContact = this.d.now();
      return null;
    }
    // Coordinator.onFollowerCheckRequest: a check from a leader of our term or later makes this node
    // its follower ("becoming FOLLOWER of [...]") instead of failing the check. Rejecting it here
    // raced the join at start-up: the leader checks a node that joined before its publication
    // arrived, the rejection got the node removed, and the cluster kept dropping and re-adding it.
    this.currentTerm = req.term;
    const already = this.mode === 'FOLLOWER' && this.leader?.id === req.leader.id;
    this.mode = 'FOLLOWER';
    this.leader = req.leader;
    this.lastLeaderContact = this.d.now();
    if (!already) {
      this.leaderFailures = 0;
      this.scheduleLeaderChecks(req.leader.id);
    }
    return null;
  }

  private scheduleLeaderChecks(leaderId: string): void {
    const t = this.d.config.timings;
    this.later(t.leaderCheckIntervalMs, async () => {
      if (this.mode !== 'FOLLOWER' || this.leader?.id !== leaderId) return;
      const leader = this.leader;
      try {
        await this.d.send(addr(leader), A.leaderCheck, { nodeId: this.d.local.id }, t.leaderCheckTimeoutMs);
        this.leaderFailures = 0;
        this.lastLeaderContact = this.d.now();
      } catch (err) {
        this.leaderFailures++;
        if (this.mode !== 'FOLLOWER' || this.leader?.id !== leaderId) return;
        if (err instanceof ConnectTransportError || err instanceof RemoteTransportError || this.leaderFailures >= t.leaderCheckRetryCount) {
          const why = err instanceof RemoteTransportError ? err.reason : err instanceof ConnectTransportError ? 'disconnected' : `failed ${this.leaderFailures} consecutive checks`;
          this.d.logger.info(L.coordinator, `master node [${this.describe(leader)}] failed, restarting discovery (${why})`);
          this.becomeCandidate(`leader check failed: ${why}`);
          return;
        }
      }
      this.scheduleLeaderChecks(leaderId);
    });
  }

  /** Resolves with the elected master, or undefined after `timeoutMs` without one. */
  waitForMaster(timeoutMs: number, notThis?: string): Promise<NodeInfo | undefined> {
    const m = this.masterNode;
    if (m && m.id !== notThis) return Promise.resolve(m);
    return new Promise((resolve) => {
      const onMaster = (n: NodeInfo | null): void => {
        if (n && n.id !== notThis) {
          cleanup();
          resolve(n);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('master', onMaster);
      };
      this.events.on('master', onMaster);
    });
  }
}

interface VoteRequest {
  term: number;
  candidate: NodeInfo;
  lastAcceptedTerm: number;
  lastAcceptedVersion: number;
}

export function addr(n: NodeInfo): HostPort {
  return parseAddr(n.transportAddress);
}

function parseAddr(a: string): HostPort {
  const i = a.lastIndexOf(':');
  return { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
}
