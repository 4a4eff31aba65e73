import type { Zk } from './zk.js';
import type { ClusterView, BrokerInfo, TopicInfo, PartitionInfo } from './cluster-view.js';
import { parseBrokerRegistration, parseClusterId, parseControllerZNode, parsePartitionState, parseTopicZNode } from './zk-json.js';

/**
 * A broker's view of the cluster read from ZooKeeper. Real brokers learn it from the controller's
 * UpdateMetadata requests; the emulator reads the same znodes the controller writes, with one armed
 * watch per path (node-zookeeper-client watchers are one-shot and would pile up if re-armed), and
 * re-reads everything (debounced) when any watch fires.
 */
export class ZkClusterCache {
  private view: ClusterView = { clusterId: null, controllerId: -1, brokers: new Map(), topics: new Map() };
  private armed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private listeners: ((v: ClusterView) => void)[] = [];

  constructor(
    private readonly zk: Zk,
    private readonly onError: (err: unknown) => void,
  ) {}

  current(): ClusterView {
    return this.view;
  }

  onChange(fn: (v: ClusterView) => void): void {
    this.listeners.push(fn);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Reads everything now; later changes arrive through watches. */
  async start(): Promise<void> {
    await this.refresh();
  }

  private watcher(kind: string, path: string): ((e: unknown) => void) | undefined {
    const key = `${kind}:${path}`;
    if (this.armed.has(key)) return undefined;
    this.armed.add(key);
    return () => {
      this.armed.delete(key);
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch(this.onError);
    }, 10);
  }

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.view = await this.read();
        for (const fn of this.listeners) fn(this.view);
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async read(): Promise<ClusterView> {
    const zk = this.zk;
    const clusterNode = await zk.getData('/cluster/id', this.watcher('data', '/cluster/id'));
    const clusterId = clusterNode?.data ? parseClusterId(clusterNode.data.toString()) : null;
    const ctrlWatch = this.watcher('exists', '/controller');
    if (ctrlWatch) await zk.exists('/controller', ctrlWatch);
    const ctrl = await zk.getData('/controller');
    const controllerId = ctrl?.data ? parseControllerZNode(ctrl.data.toString()) : -1;

    const brokers = new Map<number, BrokerInfo>();
    const ids = (await zk.getChildren('/brokers/ids', this.watcher('children', '/brokers/ids'))) ?? [];
    for (const id of ids) {
      const node = await zk.getData(`/brokers/ids/${id}`);
      if (node?.data) brokers.set(Number(id), parseBrokerRegistration(Number(id), node.data.toString()));
    }

    const topics = new Map<string, TopicInfo>();
    const names = (await zk.getChildren('/brokers/topics', this.watcher('children', '/brokers/topics'))) ?? [];
    for (const name of names) {
      const tpath = `/brokers/topics/${name}`;
      const tnode = await zk.getData(tpath, this.watcher('data', tpath));
      if (!tnode?.data) continue;
      const { partitions, topicId } = parseTopicZNode(tnode.data.toString());
      const parts = new Map<number, PartitionInfo>();
      for (const [p, replicas] of partitions) {
        const spath = `${tpath}/partitions/${p}/state`;
        const sw = this.watcher('exists', spath);
        if (sw) await zk.exists(spath, sw);
        const snode = await zk.getData(spath);
        parts.set(p, { replicas, state: snode?.data ? parsePartitionState(snode.data.toString()) : undefined });
      }
      topics.set(name, { name, topicId, partitions: parts });
    }
    return { clusterId, controllerId, brokers, topics };
  }
}
