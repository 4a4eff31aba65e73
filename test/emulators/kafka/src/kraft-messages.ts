import { Reader, Writer } from './wire.js';
import type { Endpoint } from './config.js';
import type { PartitionState } from './partition-planner.js';

/**
 * The emulator's private KRaft traffic (API key 32100, JSON body). Real KRaft uses Vote, Fetch,
 * BeginQuorumEpoch, BrokerRegistration and BrokerHeartbeat; the emulator replaces them with one
 * heartbeat message per direction (README: "departures from Raft").
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ReplicatedBroker {
  readonly id: number;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
}

export interface ReplicatedTopic {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly { partition: number; replicas: readonly number[]; state: PartitionState | null }[];
}

export interface MetadataImage {
  readonly brokers: readonly ReplicatedBroker[];
  readonly topics: readonly ReplicatedTopic[];
}

export interface VoterInfo extends HostPort {
  readonly id: number;
}

/** controller → controller, every tick. */
export interface QuorumHeartbeat {
  readonly t: 'q';
  readonly clusterId: string;
  readonly from: number;
  readonly epoch: number;
  readonly leaderId: number;
  readonly leo: number;
  readonly resign?: boolean;
  readonly image?: MetadataImage;
}

/** broker → controller, every broker.heartbeat.interval.ms. */
export interface BrokerHeartbeat {
  readonly t: 'b';
  readonly clusterId: string;
  readonly id: number;
  readonly endpoints: readonly Endpoint[];
  readonly rack: string | null;
  readonly wantShutDown: boolean;
  readonly leo: number;
}

export interface QuorumReply {
  readonly clusterId: string;
  readonly from: number;
  readonly epoch: number;
  readonly leaderId: number;
  readonly leaderEndpoint: HostPort | null;
  readonly leo: number;
  readonly voters: readonly VoterInfo[];
  /** Only from the leader, to brokers. */
  readonly image?: MetadataImage;
  readonly fenced?: boolean;
  readonly shutdownDone?: boolean;
  readonly error?: string;
}

export type PrivateMessage = QuorumHeartbeat | BrokerHeartbeat;

export function encodeJson(v: unknown): Buffer {
  const b = Buffer.from(JSON.stringify(v));
  return Buffer.concat([new Writer().int32(b.length).build(), b]);
}

export function decodeJson<T>(r: Reader): T {
  const n = r.int32();
  return JSON.parse(r.take(n).toString('utf8')) as T;
}
