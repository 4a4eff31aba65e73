import { kafka as shared, type kafka } from '@hactl/shared';
import { ZkSession, type ZkConnect, type ZkReader } from '../zk-session.js';
import { describeMinIsr } from './describe-configs.js';
import { fetchBrokerMetadata, metadataPartitionView, type BrokerMetadata } from './metadata.js';
import { splitZookeeperConnect } from './zk-connect.js';

type Inputs = kafka.KafkaInputs;
type View = kafka.KafkaPartitionView;

/**
 * Reading the cluster's partition state from its authority, for the stop gate and the removal
 * check (never from the probes' kafkajs metadata, which a full e2e run once saw report no
 * under-replicated partition while ZooKeeper listed 6).
 *
 * - ZooKeeper mode (Kafka ≤ 3.9): the controller writes every ISR change to
 *   `/brokers/topics/<t>/partitions/<p>/state` first and only then tells the brokers
 *   (UpdateMetadata), so ZooKeeper is ahead of every broker's cache. One view, read under the
 *   cluster's chroot.
 * - KRaft: the ISR lives in the active controller's metadata log. No controller API serves it:
 *   Metadata and DescribeTopicPartitions are broker-only (`"listeners": ["broker"]` in Kafka 4.1.1's
 *   MetadataRequest.json / DescribeTopicPartitionsRequest.json; DescribeConfigs and DescribeCluster
 *   are the ones controllers answer). Every broker replays that log into its cache within
 *   milliseconds, so the gate reads Metadata from every unfenced broker, pinned to it (metadata.ts),
 *   and takes the worst of the views: a change one broker has not replayed yet shows in another's.
 */
export interface PartitionReadDeps {
  zk?: ZkConnect;
  metadata?: (host: string, port: number, timeoutMs: number) => Promise<BrokerMetadata>;
  /** KRaft: other brokers' listeners, tried in order when the node's own does not answer. */
  bootstrap?: readonly { address: string; port: number }[];
  /** KRaft: effective `min.insync.replicas` per topic (DescribeConfigs). */
  minIsr?: (
    broker: { address: string; port: number },
    topics: string[],
    timeoutMs: number,
  ) => Promise<Record<string, number>>;
}

/** The cluster-wide default: `min.insync.replicas` of the rendered server.properties, else Kafka's 1. */
export function defaultMinIsr(inputs: Inputs): number {
  const v = inputs.config['min.insync.replicas'];
  return v === undefined ? 1 : shared.parseMinIsr('server.properties', v);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** ZooKeeper reads in flight at once: enough to pipeline, few enough not to flood the ensemble. */
const ZK_PARALLEL = 64;

/**
 * ZooKeeper mode: every topic's assignment, partition state and `min.insync.replicas` (topic override
 * in `/config/topics/<t>`, else the dynamic cluster default `/config/brokers/<default>`, else
 * `fallbackMinIsr`), and the registered brokers, read on one session under `chroot`. Topics marked
 * for deletion (`/admin/delete_topics/<t>`) are left out. A partition without a state znode (a topic
 * being created) is reported offline with an empty ISR, so a gate waits for it. Throws on a read
 * error or unexpected znode data, naming the path.
 */
export async function readZookeeperPartitionView(
  zk: ZkReader,
  chroot: string,
  fallbackMinIsr: number,
): Promise<View> {
  const at = (p: string) => `${chroot}${p}`;
  const text = async (p: string) => (await zk.data(at(p)))?.toString('utf8');
  const [topics, deleting, ids, clusterDefaults] = await Promise.all([
    zk.children(at('/brokers/topics')),
    zk.children(at('/admin/delete_topics')),
    zk.children(at('/brokers/ids')),
    text('/config/brokers/<default>'),
  ]);
  const clusterMin = clusterDefaults
    ? shared.parseConfigZnode(at('/config/brokers/<default>'), clusterDefaults)['min.insync.replicas']
    : undefined;
  const defaultMin =
    clusterMin === undefined
      ? fallbackMinIsr
      : shared.parseMinIsr(at('/config/brokers/<default>'), clusterMin);
  const live = topics.filter((t) => !deleting.includes(t)).sort();
  const minIsr: Record<string, number> = {};
  const perTopic = await mapLimit(live, ZK_PARALLEL, async (topic) => {
    const [assignment, config] = await Promise.all([
      text(`/brokers/topics/${topic}`),
      text(`/config/topics/${topic}`),
    ]);
    // Deleted between the listing and this read: nothing of it is left to keep available.
    if (assignment === undefined) return [];
    const override = config
      ? shared.parseConfigZnode(at(`/config/topics/${topic}`), config)['min.insync.replicas']
      : undefined;
    minIsr[topic] =
      override === undefined ? defaultMin : shared.parseMinIsr(at(`/config/topics/${topic}`), override);
    const t = shared.parseTopicZnode(topic, assignment);
    return [...t.partitions].map(([partition, replicas]) => ({
      topic,
      partition,
      replicas,
      adding: t.adding.get(partition) ?? [],
      removing: t.removing.get(partition) ?? [],
    }));
  });
  const partitions = await mapLimit(perTopic.flat(), ZK_PARALLEL, async (p) => {
    const where = `/brokers/topics/${p.topic}/partitions/${p.partition}/state`;
    const state = await text(where);
    const s = state === undefined ? undefined : shared.parsePartitionStateZnode(at(where), state);
    return { ...p, isr: s?.isr ?? [], leader: s?.leader ?? -1 };
  });
  return {
    source: `zookeeper ${chroot || '/'}`,
    partitions: partitions.sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    ),
    minIsr,
    brokers: ids
      .filter((s) => /^\d+$/.test(s))
      .map(Number)
      .sort((a, b) => a - b),
  };
}

/**
 * KRaft: Metadata from the node's own broker listener (else the first of `deps.bootstrap` that
 * answers) for the unfenced broker list, then from every
 * one of those brokers (pinned), one view each; `min.insync.replicas` from DescribeConfigs (topics it
 * did not answer for get the rendered default). Throws when a broker does not answer: a gate must
 * not decide on fewer views than there are brokers.
 */
export async function readKraftPartitionViews(
  inputs: Inputs,
  timeoutMs: number,
  deps: PartitionReadDeps = {},
): Promise<View[]> {
  const metadata = deps.metadata ?? fetchBrokerMetadata;
  const seeds = [{ address: inputs.address, port: inputs.port! }, ...(deps.bootstrap ?? [])];
  let own: BrokerMetadata | undefined;
  let seed = seeds[0]!;
  const errors: string[] = [];
  for (const s of seeds) {
    try {
      own = await metadata(s.address, s.port, timeoutMs);
      seed = s;
      break;
    } catch (err) {
      errors.push(`${s.address}:${s.port}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!own) throw new Error(`no broker answered Metadata: ${errors.join('; ')}`);
  const answers = await Promise.all(
    own.brokers.map(async (b) => ({ id: b.nodeId, md: await metadata(b.host, b.port, timeoutMs) })),
  );
  const topics = [...new Set(answers.flatMap((a) => a.md.topics.map((t) => t.name)))].sort();
  const found = await (deps.minIsr ?? describeMinIsr)(seed, topics, timeoutMs);
  const fallback = defaultMinIsr(inputs);
  const minIsr = Object.fromEntries(topics.map((t) => [t, found[t] ?? fallback]));
  return answers.map((a) => metadataPartitionView(`metadata of broker ${a.id}`, a.md, minIsr));
}

/**
 * The authoritative view(s) of the cluster `inputs` belongs to: one from ZooKeeper in ZooKeeper
 * mode, one per unfenced broker in KRaft (see the header). Throws with the cause when the authority
 * cannot be read.
 */
export async function readKafkaPartitionViews(
  inputs: Inputs,
  timeoutMs: number,
  deps: PartitionReadDeps = {},
): Promise<View[]> {
  if (inputs.mode === 'kraft') return readKraftPartitionViews(inputs, timeoutMs, deps);
  const { servers, chroot } = splitZookeeperConnect(inputs.zookeeperConnect ?? '');
  const session = new ZkSession(deps.zk);
  try {
    // One session for the whole read; it must finish within timeoutMs (ZkSession.run).
    return [
      await session.run(servers, timeoutMs, (zk) =>
        readZookeeperPartitionView(zk, chroot, defaultMinIsr(inputs)),
      ),
    ];
  } finally {
    await session.close();
  }
}
