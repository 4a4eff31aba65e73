import net from 'node:net';
import type { kafka } from '@hactl/shared';
import { kafka as shared } from '@hactl/shared';
import { ReusedClient } from '../reuse.js';
import type { Prober } from '../types.js';
import { ZkSession, type ZkConnect } from '../zk-session.js';
import { readZookeeperPartitionView } from './partitions.js';
import { describeQuorumOn, NOT_LEADER_OR_FOLLOWER, type QuorumInfo } from './quorum.js';
import { KafkaWireConnection } from './wire-connection.js';
import { splitZookeeperConnect } from './zk-connect.js';

type Inputs = kafka.KafkaInputs;
type Probe = kafka.KafkaProbe;

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

/** The admin calls the probe makes, on a connection to the node's own listener. */
export interface KafkaAdminLike {
  describeCluster(): Promise<shared.ClusterMetadataLike>;
  fetchTopicMetadata(): Promise<{ topics: shared.TopicMetadataLike[] }>;
  /** False once the connection to the node's own listener has closed. */
  readonly alive: boolean;
  disconnect(): Promise<void>;
}

/** Connects an admin to `host:port`; rejects when the node's listener does not answer. */
export type KafkaAdminConnect = (host: string, port: number, timeoutMs: number) => Promise<KafkaAdminLike>;

/**
 * kafkajs admin on the node's own PLAINTEXT listener: `connect()` sends ApiVersions and Metadata to
 * it (the listener answers), `describeCluster()` and `fetchTopicMetadata()` send Metadata for all
 * topics (service-facts §2.6); no retries, no logging. kafkajs loads on the first Kafka probe.
 *
 * The admin is kept between probes, and kafkajs routes a Metadata request to any broker it knows,
 * so a kept admin could go on answering from the other brokers after this node died. The socket
 * factory therefore watches the connections to this node's own listener: once none is open the
 * admin is not `alive`, and the next probe connects afresh, which fails while the node is down.
 */
export const connectKafkaAdmin: KafkaAdminConnect = async (host, port, timeoutMs) => {
  const { Kafka, logLevel } = await import('kafkajs');
  const own = new Set<net.Socket>();
  const client = new Kafka({
    clientId: 'hactl-agent-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    // kafkajs' own factory, plain TCP only (the probe uses the PLAINTEXT listener), plus the watch.
    socketFactory: ({ host: h, port: p, onConnect }) => {
      const socket = net.connect({ host: h, port: p }, onConnect);
      socket.setKeepAlive(true, 60_000);
      if (h === host && p === port) {
        socket.once('connect', () => own.add(socket));
        socket.once('close', () => own.delete(socket));
      }
      return socket;
    },
  });
  const admin = client.admin();
  try {
    await admin.connect();
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
  return {
    describeCluster: () => admin.describeCluster(),
    fetchTopicMetadata: () => admin.fetchTopicMetadata({ topics: [] }),
    get alive() {
      return own.size > 0;
    },
    disconnect: () => admin.disconnect(),
  };
};

/** The connections one Kafka node's prober keeps. */
interface KafkaClients {
  admin: ReusedClient<KafkaAdminLike>;
  zk: ZkSession;
  /** KRaft: the connection for DescribeQuorum to the node's own listener. */
  quorum: ReusedClient<KafkaWireConnection>;
  /**
   * KRaft, a controller-only follower (its own listener answers NOT_LEADER_OR_FOLLOWER): the
   * connection to the voter the last walk ended on (the leader, once found), asked first at the
   * next probe. Only when the leader moved does the walk reach other voters (one connection each,
   * the last one kept).
   */
  leader: ReusedClient<KafkaWireConnection>;
}

/**
 * A kept connection's key: where it goes, and the probe timeout that bounds its connect (a new
 * timeout opens a new connection).
 */
function targetKey(host: string, port: number, timeoutMs: number): string {
  return JSON.stringify({ host, port, timeoutMs });
}

/** ReusedClient's `open` for a client made by `connect(host, port, timeoutMs)` at a targetKey. */
function openAtTarget<T>(
  connect: (host: string, port: number, timeoutMs: number) => Promise<T>,
): (key: string) => Promise<T> {
  return (key) => {
    const { host, port, timeoutMs } = JSON.parse(key) as { host: string; port: number; timeoutMs: number };
    return connect(host, port, timeoutMs);
  };
}

/** Opens a kept protocol connection (KafkaWireConnection.open; a fake in tests). */
export type KafkaWireConnect = (
  host: string,
  port: number,
  timeoutMs: number,
) => Promise<KafkaWireConnection>;

async function probeMetadata(clients: KafkaClients, inputs: Inputs, timeoutMs: number, probe: Probe) {
  // Only brokers are asked for metadata, and every broker has a listener port (the planner sets it).
  const key = targetKey(inputs.address, inputs.port!, timeoutMs);
  await clients.admin.use(key, async (admin) => {
    probe.ok = true;
    Object.assign(probe, shared.summariseCluster(await admin.describeCluster()));
    const { topics } = await admin.fetchTopicMetadata();
    Object.assign(
      probe,
      shared.summarisePartitions(topics.map((t) => ({ name: t.name, partitions: t.partitions }))),
    );
  });
}

/**
 * ZooKeeper mode: the broker's ephemeral `/brokers/ids/<id>`, `/controller` and the live broker
 * list under the chroot (service-facts §2.2, §5: `/controller.brokerid` ∈ `/brokers/ids`).
 */
async function probeZookeeper(clients: KafkaClients, inputs: Inputs, timeoutMs: number, probe: Probe) {
  const { servers, chroot } = splitZookeeperConnect(inputs.zookeeperConnect ?? '');
  const [self, controller, ids] = await clients.zk.run(servers, timeoutMs, (zk) =>
    Promise.all([
      zk.data(`${chroot}/brokers/ids/${inputs.id}`),
      zk.data(`${chroot}/controller`),
      zk.children(`${chroot}/brokers/ids`),
    ]),
  );
  probe.registered = self !== undefined;
  if (self) {
    // The registration must advertise this broker's own listener, or it is another process's.
    const reg = shared.parseBrokerRegistration(self.toString('utf8'));
    if (inputs.advertisedListeners && !reg.endpoints.includes(inputs.advertisedListeners)) {
      probe.registered = false;
      probe.error = `/brokers/ids/${inputs.id} advertises ${reg.endpoints.join(',')}, expected ${inputs.advertisedListeners}`;
    }
  }
  probe.zkController = controller ? shared.parseControllerZnode(controller.toString('utf8')) : null;
  probe.zkBrokers = ids
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .sort((a, b) => a - b);
  if (probe.zkController === inputs.id) {
    // The controller broker's agent also counts under-replicated and offline partitions from the
    // partition state znodes, which the controller writes before any broker's metadata cache
    // hears of a change (partitions.ts), so the cluster's health — and the restart lease granted on
    // it — does not rest on the caches alone. One agent per cluster pays the reads (topics × 2 +
    // partitions per probe); the worst view wins in the health rollup.
    const view = await clients.zk.run(servers, timeoutMs, (zk) => readZookeeperPartitionView(zk, chroot, 1));
    const trouble = shared.countKafkaPartitionTrouble(view);
    probe.underReplicated = Math.max(probe.underReplicated ?? 0, trouble.underReplicated);
    probe.offline = Math.max(probe.offline ?? 0, trouble.offline);
  }
}

/**
 * KRaft: DescribeQuorum on the node's own listener (a broker listener forwards it to the active
 * controller; a follower controller answers NOT_LEADER_OR_FOLLOWER), on the connection the prober
 * keeps, then on the other voters' controller listeners until the leader answers (only a follower
 * controller's agent walks): the voter that led at the last walk first, on the connection kept to
 * it, so a steady quorum costs no new connection per probe. Returns whether the node's own
 * listener answered.
 */
async function probeQuorum(
  clients: KafkaClients,
  inputs: Inputs,
  timeoutMs: number,
  probe: Probe,
): Promise<boolean> {
  const own = inputs.port ?? inputs.controllerPort!;
  const others = (inputs.voters ?? [])
    .filter((v) => v.id !== inputs.id)
    .map((v) => targetKey(v.address, v.port, timeoutMs));
  // The voter the last walk ended on (the leader) first; the rest in the voters' order.
  const kept = clients.leader.key;
  const walk =
    kept !== undefined && others.includes(kept) ? [kept, ...others.filter((k) => k !== kept)] : others;
  const targets = [targetKey(inputs.address, own, timeoutMs), ...walk];
  let ownAnswered = false;
  let last: QuorumInfo | undefined;
  for (const [i, key] of targets.entries()) {
    try {
      const q = await (i === 0 ? clients.quorum : clients.leader).use(key, (conn) =>
        describeQuorumOn(conn, timeoutMs),
      );
      if (i === 0) ownAnswered = true;
      last = q;
      if (q.errorCode === 0) break;
      if (q.errorCode !== NOT_LEADER_OR_FOLLOWER) break;
    } catch (err) {
      if (i === 0 && !inputs.roles.includes('broker')) probe.error = message(err);
    }
  }
  if (last && last.errorCode === 0) {
    probe.quorum = {
      leaderId: last.leaderId,
      leaderEpoch: last.leaderEpoch,
      highWatermark: last.highWatermark,
      voters: last.voters.map((v) => v.id).sort((a, b) => a - b),
      observers: last.observers.map((v) => v.id).sort((a, b) => a - b),
    };
  }
  return ownAnswered;
}

/** Probes one Kafka node; resolves with the kind's probe JSON, never rejects. */
async function probeWith(clients: KafkaClients, inputs: Inputs, timeoutMs: number): Promise<Probe> {
  const probe: Probe = { ok: false, id: inputs.id };
  const isBroker = inputs.roles.includes('broker');
  if (isBroker) {
    try {
      await probeMetadata(clients, inputs, timeoutMs, probe);
    } catch (err) {
      probe.error = message(err);
    }
    if (inputs.mode === 'kraft' && probe.brokers) probe.registered = probe.brokers.includes(inputs.id);
  }
  if (inputs.mode === 'zookeeper') {
    if (probe.ok) {
      try {
        await probeZookeeper(clients, inputs, timeoutMs, probe);
      } catch (err) {
        probe.error = `zookeeper: ${message(err)}`;
      }
    }
  } else {
    try {
      const answered = await probeQuorum(clients, inputs, timeoutMs, probe);
      if (!isBroker) probe.ok = answered;
    } catch (err) {
      probe.error = message(err);
    }
  }
  const checked = shared.kafkaProbeSchema.safeParse(probe);
  return checked.success
    ? checked.data
    : {
        ok: false,
        id: inputs.id,
        error: `probe result failed its own schema: ${checked.error.message.slice(0, 300)}`,
      };
}

/**
 * One Kafka node's prober: its admin, (ZooKeeper mode) its ZooKeeper session and (KRaft) its
 * DescribeQuorum connections (to the node's own listener and, on a follower controller, to the
 * leader) are kept between probes and reopened after a failure (see reuse.ts).
 */
export function createKafkaProber(
  connect: { admin?: KafkaAdminConnect; zk?: ZkConnect; wire?: KafkaWireConnect } = {},
): Prober<Inputs> {
  const open = connect.admin ?? connectKafkaAdmin;
  const openWire =
    connect.wire ?? ((host, port, timeoutMs) => KafkaWireConnection.open(host, port, timeoutMs));
  const clients: KafkaClients = {
    admin: new ReusedClient({
      open: openAtTarget(open),
      alive: (a) => a.alive,
      close: (a) => a.disconnect(),
    }),
    zk: new ZkSession(connect.zk),
    quorum: new ReusedClient<KafkaWireConnection>({
      open: openAtTarget(openWire),
      alive: (c) => c.alive,
      close: (c) => c.close(),
    }),
    leader: new ReusedClient<KafkaWireConnection>({
      open: openAtTarget(openWire),
      alive: (c) => c.alive,
      close: (c) => c.close(),
    }),
  };
  return {
    probe: (inputs, timeoutMs) => probeWith(clients, inputs, timeoutMs),
    close: async () => {
      await Promise.all([
        clients.admin.close(),
        clients.zk.close(),
        clients.quorum.close(),
        clients.leader.close(),
      ]);
    },
  };
}

/** One probe on its own connections, closed afterwards (tests and testdata recording). */
export async function probeKafka(inputs: Inputs, timeoutMs: number): Promise<Probe> {
  const prober = createKafkaProber();
  try {
    return (await prober.probe(inputs, timeoutMs)) as Probe;
  } finally {
    await prober.close();
  }
}
