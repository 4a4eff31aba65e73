import type { kafka } from '@hactl/shared';
import { kafka as shared } from '@hactl/shared';
import { describeQuorum, NOT_LEADER_OR_FOLLOWER, type QuorumInfo } from './quorum.js';

type Inputs = kafka.KafkaInputs;
type Probe = kafka.KafkaProbe;

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

/**
 * kafkajs admin on the node's own PLAINTEXT listener: `connect()` sends ApiVersions (the listener
 * answers), `describeCluster()` and `fetchTopicMetadata()` send Metadata for all topics
 * (service-facts §2.6). One short-lived admin per probe, no retries, no logging.
 */
async function probeMetadata(inputs: Inputs, timeoutMs: number, probe: Probe): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const client = new Kafka({
    clientId: 'hactl-agent-probe',
    brokers: [`${inputs.address}:${inputs.port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = client.admin();
  try {
    await admin.connect();
    probe.ok = true;
    Object.assign(probe, shared.summariseCluster(await admin.describeCluster()));
    const { topics } = await admin.fetchTopicMetadata({ topics: [] });
    Object.assign(
      probe,
      shared.summarisePartitions(topics.map((t) => ({ name: t.name, partitions: t.partitions }))),
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Splits `h1:2181,h2:2181/chroot` into the server list and the chroot. */
export function splitZookeeperConnect(connect: string): { servers: string; chroot: string } {
  const slash = connect.indexOf('/');
  return slash < 0
    ? { servers: connect, chroot: '' }
    : { servers: connect.slice(0, slash), chroot: connect.slice(slash) };
}

/**
 * ZooKeeper mode: the broker's ephemeral `/brokers/ids/<id>`, `/controller` and the live broker
 * list under the chroot (service-facts §2.2, §5: `/controller.brokerid` ∈ `/brokers/ids`).
 */
async function probeZookeeper(inputs: Inputs, timeoutMs: number, probe: Probe): Promise<void> {
  const mod = await import('node-zookeeper-client');
  const zk = (mod as unknown as { default?: typeof mod }).default ?? mod;
  const { servers, chroot } = splitZookeeperConnect(inputs.zookeeperConnect ?? '');
  const client = zk.createClient(servers, {
    sessionTimeout: Math.max(6000, timeoutMs * 3),
    spinDelay: 200,
    retries: 0,
  });
  const noNode = zk.Exception.NO_NODE;
  const call = <T>(fn: (cb: (err: unknown, v: T) => void) => void): Promise<T | undefined> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`zookeeper request timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      fn((err, v) => {
        clearTimeout(timer);
        if (!err) resolve(v);
        else if (err instanceof zk.Exception && err.getCode() === noNode) resolve(undefined);
        else reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`zookeeper ${servers} did not connect within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    const [self, controller, ids] = await Promise.all([
      call<Buffer>((cb) => client.getData(`${chroot}/brokers/ids/${inputs.id}`, (e, d) => cb(e, d))),
      call<Buffer>((cb) => client.getData(`${chroot}/controller`, (e, d) => cb(e, d))),
      call<string[]>((cb) => client.getChildren(`${chroot}/brokers/ids`, (e, c) => cb(e, c))),
    ]);
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
    probe.zkBrokers = (ids ?? [])
      .filter((s) => /^\d+$/.test(s))
      .map(Number)
      .sort((a, b) => a - b);
  } finally {
    client.close();
  }
}

/**
 * KRaft: DescribeQuorum on the node's own listener (a broker listener forwards it to the active
 * controller; a follower controller answers NOT_LEADER_OR_FOLLOWER), then on the other voters'
 * controller listeners until the leader answers. Returns whether the node's own listener answered.
 */
async function probeQuorum(inputs: Inputs, timeoutMs: number, probe: Probe): Promise<boolean> {
  const own = inputs.port ?? inputs.controllerPort!;
  const targets = [
    { host: inputs.address, port: own },
    ...(inputs.voters ?? [])
      .filter((v) => v.id !== inputs.id)
      .map((v) => ({ host: v.address, port: v.port })),
  ];
  let ownAnswered = false;
  let last: QuorumInfo | undefined;
  for (const [i, t] of targets.entries()) {
    try {
      const q = await describeQuorum(t.host, t.port, timeoutMs);
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
export async function probeKafka(inputs: Inputs, timeoutMs: number): Promise<Probe> {
  const probe: Probe = { ok: false, id: inputs.id };
  const isBroker = inputs.roles.includes('broker');
  if (isBroker) {
    try {
      await probeMetadata(inputs, timeoutMs, probe);
    } catch (err) {
      probe.error = message(err);
    }
    if (inputs.mode === 'kraft' && probe.brokers) probe.registered = probe.brokers.includes(inputs.id);
  }
  if (inputs.mode === 'zookeeper') {
    if (probe.ok) {
      try {
        await probeZookeeper(inputs, timeoutMs, probe);
      } catch (err) {
        probe.error = `zookeeper: ${message(err)}`;
      }
    }
  } else {
    try {
      const answered = await probeQuorum(inputs, timeoutMs, probe);
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
