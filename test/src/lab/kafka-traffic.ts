import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { BackgroundLoop } from './loop.js';
import { waitFor } from './wait.js';

/**
 * Numbered messages through an acks=all idempotent producer, one request in flight and unlimited
 * retries (kafkajs's default for idempotence), so a send resolves only once the ISR (at least
 * min.insync.replicas = 2 of 3) has it; a consumer group reads them back all along.
 */
export class Traffic {
  private next = 0;
  private readonly loop = new BackgroundLoop(() => this.send(), 5);
  readonly acked = new Set<number>();
  readonly received = new Map<number, number>();
  failed = 0;
  lastError = '';

  constructor(
    readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly topic: string,
  ) {}

  /**
   * Creates `topic` (3 partitions, RF 3, min.insync.replicas 2) on `brokers`, connects the
   * producer and a consumer in `group`, and starts reading.
   */
  static async open(o: {
    brokers: string[];
    clientId: string;
    topic: string;
    group: string;
  }): Promise<Traffic> {
    const kafka = new Kafka({ clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: o.topic,
          numPartitions: 3,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const consumer = kafka.consumer({ groupId: o.group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await producer.connect();
    await consumer.connect();
    const traffic = new Traffic(kafka, producer, consumer, o.topic);
    await traffic.startReading();
    return traffic;
  }

  /** Stops sending and disconnects the producer and the consumer. */
  async close(): Promise<void> {
    await this.stopSending();
    await this.producer.disconnect().catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
  }

  async startReading(): Promise<void> {
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const seq = Number(message.value?.toString());
        this.received.set(seq, (this.received.get(seq) ?? 0) + 1);
      },
    });
  }

  startSending(): void {
    this.loop.start();
  }

  /** One message with the next sequence number, acks=all; a failure is counted, not retried. */
  private async send(): Promise<void> {
    const seq = this.next++;
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key: String(seq), value: String(seq) }],
      });
      this.acked.add(seq);
    } catch (err) {
      this.failed++;
      this.lastError = (err as Error).message;
    }
  }

  async stopSending(): Promise<void> {
    await this.loop.stop();
  }

  get sent(): number {
    return this.next;
  }

  lost(): number[] {
    return [...this.acked].filter((s) => !this.received.has(s));
  }

  /** Waits until the consumer has read every acknowledged message, then reports the counts. */
  async verify(what: string): Promise<string> {
    await waitFor(
      `${what}: the consumer to read back every acknowledged message`,
      () => (this.lost().length === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch(() => undefined);
    const dup = [...this.received.values()].filter((n) => n > 1).length;
    return (
      `${what}: sent ${this.sent}, acknowledged ${this.acked.size}, failed ${this.failed}` +
      `${this.failed ? ` (last: ${this.lastError})` : ''}, read back ${[...this.acked].filter((s) => this.received.has(s)).length} of the acknowledged ` +
      `(${this.received.size} distinct read, ${dup} read twice), lost ${this.lost().length}`
    );
  }
}

/**
 * Kafka's own view in ZooKeeper, sampled every 100 ms: the registered brokers (`/brokers/ids`) and
 * the under-replicated partitions (ISR smaller than the assignment in each partition's `state`
 * znode; service-facts §2.2). In ZooKeeper mode the controller writes an ISR change here before it
 * reaches any broker's metadata cache (which hactl's probes read), so this is ahead of the gate.
 */
export interface ZkSample {
  /** When the sample's reads started and ended: its data is from within [from, at]. */
  from: number;
  at: number;
  brokers: number;
  urp: number;
  /**
   * The active controller's broker id (`/controller`), or undefined while no broker holds it (the
   * znode is ephemeral: gone between the old controller's session and the next one's election).
   */
  controller: number | undefined;
}

export class ZkSampler {
  private readonly client: zookeeper.Client;

  /** `connect`: the ensemble's HOST:PORT list; `chroot`: the Kafka cluster's znode root. */
  constructor(
    connect: string,
    private readonly chroot: string,
  ) {
    this.client = zookeeper.createClient(connect, { sessionTimeout: 10_000, spinDelay: 200 });
  }

  private readonly loop = new BackgroundLoop(() => this.record(), 100);
  /** Replica assignments per topic: fixed once a topic exists (no reassignment here). */
  private readonly assignments = new Map<string, Record<string, number[]>>();
  samples: ZkSample[] = [];
  errors = 0;
  lastError = '';

  private call<T>(fn: (cb: (err: unknown, v: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) =>
      fn((err, v) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(v))),
    );
  }

  private async assignment(topic: string): Promise<Record<string, number[]>> {
    let a = this.assignments.get(topic);
    if (!a) {
      a = (
        JSON.parse(
          (
            await this.call<Buffer>((cb) => this.client.getData(`${this.chroot}/brokers/topics/${topic}`, cb))
          ).toString(),
        ) as { partitions: Record<string, number[]> }
      ).partitions;
      this.assignments.set(topic, a);
    }
    return a;
  }

  private async sample(): Promise<ZkSample> {
    const from = Date.now();
    const [ids, topics, controller] = await Promise.all([
      this.call<string[]>((cb) => this.client.getChildren(`${this.chroot}/brokers/ids`, cb)),
      this.call<string[]>((cb) => this.client.getChildren(`${this.chroot}/brokers/topics`, cb)),
      this.controller(),
    ]);
    const partitions = (
      await Promise.all(
        topics.map(async (t) =>
          Object.entries(await this.assignment(t)).map(([p, replicas]) => ({ t, p, replicas })),
        ),
      )
    ).flat();
    const states = await Promise.all(
      partitions.map(({ t, p }) =>
        this.call<Buffer>((cb) =>
          this.client.getData(`${this.chroot}/brokers/topics/${t}/partitions/${p}/state`, cb),
        ),
      ),
    );
    const urp = states.filter(
      (b, i) => (JSON.parse(b.toString()) as { isr: number[] }).isr.length < partitions[i]!.replicas.length,
    ).length;
    return { from, at: Date.now(), brokers: ids.length, urp, controller };
  }

  /** `brokerid` of the `/controller` znode, undefined when there is none (NO_NODE). */
  private async controller(): Promise<number | undefined> {
    try {
      const b = await this.call<Buffer>((cb) => this.client.getData(`${this.chroot}/controller`, cb));
      return (JSON.parse(b.toString()) as { brokerid: number }).brokerid;
    } catch (err) {
      if ((err as zookeeper.Exception).getCode?.() === zookeeper.Exception.NO_NODE) return undefined;
      throw err;
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.client.once('connected', () => resolve());
      this.client.connect();
    });
    this.loop.start();
  }

  private async record(): Promise<void> {
    try {
      this.samples.push(await this.sample());
    } catch (err) {
      // e.g. a topic whose partition states are not written yet; the next sample sees them
      this.errors++;
      this.lastError = (err as Error).message;
    }
  }

  /** Samples whose reads all happened within (after, before). */
  between(after: number, before: number): ZkSample[] {
    return this.samples.filter((s) => s.from > after && s.at < before);
  }

  /**
   * The controller's broker id just before `at` (e.g. the moment a broker was stopped), as the last
   * sample that names one says, of those whose reads all happened within the `maxAgeMs` before
   * `at`; undefined when none does. Not bounded by when a rollout began: its first stop can come
   * within one sample's time of the start (a sample reads every partition's state, which takes a
   * few hundred ms on a loaded machine), and the sample just before the start is then the record.
   */
  controllerAt(at: number, maxAgeMs = 10_000): number | undefined {
    return this.between(at - maxAgeMs, at)
      .filter((s) => s.controller !== undefined)
      .at(-1)?.controller;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.client.close();
  }
}

/**
 * The host of broker `id` where a lab's brokers are `hosts` in id order (`broker.id` = index + 1,
 * as kafka-lab.ts numbers them): `broker <id>` for an id outside them, undefined for no id.
 */
export function controllerHost(hosts: readonly string[], id: number | undefined): string | undefined {
  return id === undefined ? undefined : (hosts[id - 1] ?? `broker ${id}`);
}
