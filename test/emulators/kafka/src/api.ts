/**
 * The Kafka APIs the emulator speaks, and their supported version ranges. ApiVersions advertises
 * exactly these, so kafkajs (which picks min(its max, broker max)) never chooses a version the
 * emulator cannot decode. [kafka clients/.../message/*.json; kjs src/protocol/requests]
 */
export const ApiKey = {
  Metadata: 3,
  ControlledShutdown: 7,
  ApiVersions: 18,
  DescribeQuorum: 55,
  /** Emulator-private key for controller-quorum and broker-registration traffic (not Raft). */
  EmulatorQuorum: 32100,
} as const;

export interface ApiRange {
  readonly apiKey: number;
  readonly min: number;
  readonly max: number;
}

/** Error codes used here. [kafka clients/.../protocol/Errors.java] */
export const ErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REPLICA_NOT_AVAILABLE: 9,
  NOT_CONTROLLER: 41,
  UNSUPPORTED_VERSION: 35,
  STALE_BROKER_EPOCH: 77,
} as const;

export type ServerRole = 'zk-broker' | 'kraft-broker' | 'kraft-controller';

/**
 * ZK-mode brokers answer ControlledShutdown (the controller receives it); KRaft listeners answer
 * DescribeQuorum (brokers forward it to the controller in real Kafka; the emulator answers from its
 * own quorum view).
 */
export function supportedApis(role: ServerRole): ApiRange[] {
  const apis: ApiRange[] = [
    { apiKey: ApiKey.Metadata, min: 0, max: 8 },
    { apiKey: ApiKey.ApiVersions, min: 0, max: 2 },
  ];
  if (role === 'zk-broker') apis.push({ apiKey: ApiKey.ControlledShutdown, min: 1, max: 1 });
  else apis.push({ apiKey: ApiKey.DescribeQuorum, min: 0, max: 1 });
  const sorted = apis.sort((a, b) => a.apiKey - b.apiKey);
  return role === 'kraft-controller' ? sorted.filter((a) => a.apiKey !== ApiKey.Metadata) : sorted;
}

/** Flexible (KIP-482) request versions use request header v2 and response header v1. */
export function isFlexible(apiKey: number, version: number): boolean {
  if (apiKey === ApiKey.DescribeQuorum) return true;
  if (apiKey === ApiKey.ApiVersions) return version >= 3;
  if (apiKey === ApiKey.Metadata) return version >= 9;
  if (apiKey === ApiKey.ControlledShutdown) return version >= 3;
  return false;
}
