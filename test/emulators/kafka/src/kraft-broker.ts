import type { Endpoint } from './config.js';
import type { Logger } from './log.js';
import { ApiKey } from './api.js';
import { kafkaRequest } from './protocol-client.js';
import { Reader } from './wire.js';
import type { ClusterView, PartitionInfo, TopicInfo } from './cluster-view.js';
import { decodeJson, encodeJson, type BrokerHeartbeat, type HostPort, type MetadataImage, type QuorumReply } from './kraft-messages.js';

export interface KraftBrokerDeps {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
  /** controller.quorum.voters endpoints or controller.quorum.bootstrap.servers. */
  readonly controllers: readonly HostPort[];
  readonly heartbeatIntervalMs: number;
  readonly log: Logger;
}

/** The metadata image → a view for Metadata responses (controller id chosen per request). */
export function imageToView(clusterId: string, image: MetadataImage): ClusterView {
  const topics = new Map<string, TopicInfo>();
  for (const t of image.topics) {
    const partitions = new Map<number, PartitionInfo>();
    for (const p of t.partitions) partitions.set(p.partition, { replicas: p.replicas, state: p.state ?? undefined });
    topics.set(t.name, { name: t.name, topicId: t.topicId, partitions });
  }
  const brokers = new Map(image.brokers.filter((b) => !b.fenced).map((b) => [b.id, { id: b.id, endpoints: b.endpoints, rack: b.rack }]));
  return { clusterId, controllerId: -1, brokers, topics };
}

/**
 * The broker half of a KRaft node: registers with the active controller and heartbeats every
 * broker.heartbeat.interval.ms (following leader redirects), and keeps the metadata image the
 * leader returns. Startup completes once the broker is registered and unfenced, as a real broker
 * waits for that before "Kafka Server started".
 */
export class KraftBrokerAgent {
  view: ClusterView;
  leader: HostPort | null = null;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private unfenced: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(private readonly d: KraftBrokerDeps) {
    this.view = { clusterId: d.clusterId, controllerId: -1, brokers: new Map(), topics: new Map() };
    this.ready = new Promise((r) => (this.unfenced = r));
  }

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.beat(false)
        .catch(() => undefined)
        .finally(() => {
          // Real brokers fetch the metadata log continuously; the emulator's heartbeat doubles as that
          // fetch, so it runs at least every 250 ms to keep metadata propagation prompt.
          if (!this.stopped) this.timer = setTimeout(loop, Math.min(250, this.d.heartbeatIntervalMs));
        });
    };
    loop();
  }

  /** Controlled shutdown: the leader moves leadership away and fences this broker. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const reply = await this.beat(true);
    if (!reply?.shutdownDone) throw new Error('controlled shutdown was not acknowledged by the active controller');
  }

  private async beat(wantShutDown: boolean, hops = 0): Promise<QuorumReply | undefined> {
    const target = this.leader ?? this.d.controllers[this.next++ % this.d.controllers.length];
    if (!target) return undefined;
    const msg: BrokerHeartbeat = {
      t: 'b',
      clusterId: this.d.clusterId,
      id: this.d.nodeId,
      endpoints: this.d.endpoints,
      rack: this.d.rack,
      wantShutDown,
      leo: 0,
    };
    let reply: QuorumReply;
    try {
      reply = decodeJson<QuorumReply>(
        new Reader(await kafkaRequest({ host: target.host, port: target.port, apiKey: ApiKey.EmulatorQuorum, apiVersion: 0, body: encodeJson(msg), timeoutMs: 1000 })),
      );
    } catch (err) {
      this.leader = null;
      if (hops < this.d.controllers.length) return this.beat(wantShutDown, hops + 1);
      throw err;
    }
    if (reply.error) {
      this.d.log.error(`Controller ${reply.from} rejected registration: ${reply.error}`);
      return undefined;
    }
    if (reply.image) {
      this.leader = target;
      this.view = imageToView(this.d.clusterId, reply.image);
      if (!reply.fenced) this.unfenced?.();
      return reply;
    }
    this.leader = reply.leaderEndpoint;
    if (hops < 3 && reply.leaderEndpoint) return this.beat(wantShutDown, hops + 1);
    return undefined;
  }
}
