import type { Zk } from './zk.js';
import { BAD_VERSION, zkErrorCode } from './zk.js';
import type { Logger } from './log.js';
import type { ClusterView } from './cluster-view.js';
import type { TopicSpec } from './config.js';
import { assignReplicas, planPartitionState, planPreferredLeader, type PartitionState } from './partition-planner.js';
import { FEATURE_ZNODE, parsePartitionState, parseTopicZNode, renderPartitionState, renderTopicZNode } from './zk-json.js';

interface OwnedTopic {
  readonly topicId: string;
  readonly replicas: Map<number, readonly number[]>;
  readonly states: Map<number, PartitionState>;
}

export interface ControllerDeps {
  readonly zk: Zk;
  readonly log: Logger;
  readonly brokerId: number;
  readonly topics: readonly TopicSpec[];
  readonly topicCreateWaitMs: number;
  readonly autoLeaderRebalance: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly now: () => number;
  readonly newTopicId: () => string;
}

/**
 * The active controller of a ZK-mode cluster (this broker won `/controller`). It bumps
 * `/controller_epoch`, owns every partition state znode and rewrites them when brokers come and go
 * (ISR shrink/expand, leader moves), handles controlled shutdown and creates the emulator's topics.
 * All work is serialized; its own map of partition states is the truth it plans from, so a stale
 * cache read can never double-bump an epoch. [kafka KafkaController]
 */
export class ZkController {
  epoch = 0;
  private topics = new Map<string, OwnedTopic>();
  private live = new Set<number>();
  private shuttingDown = new Set<number>();
  private queue: Promise<void> = Promise.resolve();
  private missingSince = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private pendingCreate = new Set<string>();
  private resigned = false;

  constructor(private readonly d: ControllerDeps) {}

  /**
   * Called right after this broker created `/controller`; queued first, so broker-change events
   * that arrive meanwhile are handled after the epoch bump.
   */
  onElected(view: () => Promise<ClusterView>): Promise<void> {
    return this.enqueue(() => this.elected(view));
  }

  private async elected(readView: () => Promise<ClusterView>): Promise<void> {
    const { zk, log } = this.d;
    const node = await zk.getData('/controller_epoch');
    if (!node) {
      const created = await zk.create('/controller_epoch', Buffer.from('1'));
      if (!created) throw new Error('controller epoch znode appeared concurrently');
      this.epoch = 1;
      log.info(`${this.d.brokerId} successfully elected as the controller. Epoch incremented to 1 and epoch zk version is now 0`);
    } else {
      const next = Number(node.data?.toString() ?? '0') + 1;
      try {
        const v = await zk.setData('/controller_epoch', Buffer.from(String(next)), node.version);
        this.epoch = next;
        log.info(`${this.d.brokerId} successfully elected as the controller. Epoch incremented to ${next} and epoch zk version is now ${v}`);
      } catch (err) {
        if (zkErrorCode(err) === BAD_VERSION) throw new Error('Controller moved to another broker. Aborting controller startup procedure');
        throw err;
      }
    }
    if (!(await zk.getData('/feature'))) await zk.create('/feature', Buffer.from(FEATURE_ZNODE));
    await this.loadTopics();
    this.live = new Set((await readView()).brokers.keys());
    log.info(`Initialized broker epochs cache: live brokers ${[...this.live].sort((a, b) => a - b).join(',')}`);
    await this.reconcile();
    if (this.d.autoLeaderRebalance) {
      const t = setInterval(() => {
        this.enqueue(() => this.rebalance()).catch((e: unknown) => log.error(`Preferred replica election failed: ${String(e)}`));
      }, this.d.leaderImbalanceCheckIntervalMs);
      t.unref();
      this.timers.push(t);
    }
  }

  resign(): void {
    this.resigned = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Broker set changed (a /brokers/ids child appeared or vanished). */
  onBrokersChanged(view: () => ClusterView): Promise<void> {
    return this.enqueue(async () => {
      const next = new Set(view().brokers.keys());
      const gone = [...this.live].filter((b) => !next.has(b));
      const added = [...next].filter((b) => !this.live.has(b));
      if (gone.length === 0 && added.length === 0) return;
      this.d.log.info(`Newly added brokers: ${added.join(',')}, deleted brokers: ${gone.join(',')}, all live brokers: ${[...next].sort((a, b) => a - b).join(',')}`);
      for (const b of gone) this.shuttingDown.delete(b);
      this.live = next;
      await this.reconcile();
    });
  }

  /** ControlledShutdown from broker `id`: returns partitions it still leads (could not be moved). */
  controlledShutdown(id: number): Promise<{ topic: string; partition: number }[]> {
    let remaining: { topic: string; partition: number }[] = [];
    return this.enqueue(async () => {
      this.d.log.info(`Shutting down broker ${id}`);
      this.shuttingDown.add(id);
      await this.reconcile();
      remaining = [];
      for (const [name, t] of this.topics) {
        for (const [p, s] of t.states) if (s.leader === id) remaining.push({ topic: name, partition: p });
      }
    }).then(() => remaining);
  }

  isLive(id: number): boolean {
    return this.live.has(id);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (!this.resigned) await work();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async loadTopics(): Promise<void> {
    const { zk } = this.d;
    this.topics.clear();
    for (const name of (await zk.getChildren('/brokers/topics')) ?? []) {
      const node = await zk.getData(`/brokers/topics/${name}`);
      if (!node?.data) continue;
      const { partitions, topicId } = parseTopicZNode(node.data.toString());
      const states = new Map<number, PartitionState>();
      for (const p of partitions.keys()) {
        const s = await zk.getData(`/brokers/topics/${name}/partitions/${p}/state`);
        if (s?.data) states.set(p, parsePartitionState(s.data.toString()));
      }
      this.topics.set(name, { topicId, replicas: partitions, states });
    }
  }

  private async reconcile(): Promise<void> {
    await this.createMissingTopics();
    for (const [name, t] of this.topics) {
      for (const [p, replicas] of t.replicas) {
        const next = planPartitionState({
          replicas,
          current: t.states.get(p),
          live: this.live,
          shuttingDown: this.shuttingDown,
          controllerEpoch: this.epoch,
        });
        if (next) await this.writeState(name, t, p, next);
      }
    }
  }

  private async rebalance(): Promise<void> {
    for (const [name, t] of this.topics) {
      for (const [p, replicas] of t.replicas) {
        const cur = t.states.get(p);
        if (!cur) continue;
        const live = new Set([...this.live].filter((b) => !this.shuttingDown.has(b)));
        const next = planPreferredLeader(replicas, cur, live, this.epoch);
        if (next) await this.writeState(name, t, p, next);
      }
    }
  }

  private async writeState(topic: string, t: OwnedTopic, p: number, next: PartitionState): Promise<void> {
    const path = `/brokers/topics/${topic}/partitions/${p}/state`;
    const data = Buffer.from(renderPartitionState(next));
    const prev = t.states.get(p);
    if (prev) await this.d.zk.setData(path, data);
    else {
      await this.d.zk.mkdirp(`/brokers/topics/${topic}/partitions/${p}`);
      if (!(await this.d.zk.create(path, data))) await this.d.zk.setData(path, data);
    }
    t.states.set(p, next);
    this.d.log.info(
      `Partition ${topic}-${p}: leader ${prev?.leader ?? 'none'} -> ${next.leader}, isr [${(prev?.isr ?? []).join(',')}] -> [${next.isr.join(',')}], leader epoch ${next.leaderEpoch}`,
    );
  }

  /**
   * Creates configured topics that do not exist yet, once `rf` brokers are live — or, after
   * `emulator.topic.create.wait.ms`, with as many replicas as there are live brokers.
   */
  private async createMissingTopics(): Promise<void> {
    const now = this.d.now();
    for (const spec of this.d.topics) {
      if (this.topics.has(spec.name)) continue;
      const since = this.missingSince.get(spec.name) ?? now;
      this.missingSince.set(spec.name, since);
      const liveIds = [...this.live].filter((b) => !this.shuttingDown.has(b));
      const waited = now - since >= this.d.topicCreateWaitMs;
      if (liveIds.length === 0 || (liveIds.length < spec.replicationFactor && !waited)) {
        if (this.pendingCreate.has(spec.name)) continue;
        this.pendingCreate.add(spec.name);
        const t = setTimeout(() => {
          this.pendingCreate.delete(spec.name);
          this.enqueue(() => this.reconcile()).catch((e: unknown) => this.d.log.error(`Topic creation failed: ${String(e)}`));
        }, Math.max(50, since + this.d.topicCreateWaitMs - now));
        t.unref();
        this.timers.push(t);
        continue;
      }
      const assignment = new Map<number, readonly number[]>();
      assignReplicas(liveIds, spec.partitions, spec.replicationFactor).forEach((r, p) => assignment.set(p, r));
      const topicId = this.d.newTopicId();
      const created = await this.d.zk.create(`/brokers/topics/${spec.name}`, Buffer.from(renderTopicZNode(assignment, topicId)));
      if (!created) {
        await this.loadTopics();
        continue;
      }
      this.d.log.info(`New topics: [Set(${spec.name})], with replica assignment ${JSON.stringify(Object.fromEntries(assignment))}`);
      this.topics.set(spec.name, { topicId, replicas: assignment, states: new Map() });
    }
  }
}
