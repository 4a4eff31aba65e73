/**
 * server.properties → a validated broker/controller config, following Kafka 3.9's KafkaConfig
 * rules (service-facts 2.1, 2.3). Like Kafka, the first violated rule is the error; its text and
 * Java exception class mirror Kafka's so operators see the same line. Pure.
 */
export interface Endpoint {
  readonly name: string;
  /** '' = all interfaces (Kafka: "PLAINTEXT://:9092"). */
  readonly host: string;
  readonly port: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export interface Voter {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export type Role = 'broker' | 'controller';

export interface ServerConfig {
  readonly mode: 'zk' | 'kraft';
  /** broker.id (ZK; -1 = generate) or node.id (KRaft). */
  readonly nodeId: number;
  readonly roles: readonly Role[];
  readonly listeners: readonly Endpoint[];
  readonly advertisedListeners: readonly Endpoint[];
  readonly protocolMap: ReadonlyMap<string, string>;
  readonly interBrokerListenerName: string;
  readonly controllerListenerNames: readonly string[];
  readonly logDirs: readonly string[];
  readonly metadataLogDir: string;
  readonly zkConnect: string | null;
  /** Connect string without the chroot. */
  readonly zkServers: string;
  /** '' or '/path'. */
  readonly zkChroot: string;
  readonly zkSessionTimeoutMs: number;
  /** zookeeper.connection.timeout.ms, falling back to the session timeout. */
  readonly zkConnectionTimeoutMs: number;
  readonly rack: string | null;
  readonly brokerIdGeneration: boolean;
  readonly reservedBrokerMaxId: number;
  readonly voters: readonly Voter[];
  readonly bootstrapControllers: readonly { host: string; port: number }[];
  readonly autoLeaderRebalance: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly controlledShutdown: boolean;
  readonly brokerHeartbeatIntervalMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly quorumElectionTimeoutMs: number;
  readonly quorumFetchTimeoutMs: number;
  /** Emulator-only: topics the controller creates (`emulator.topics=name:partitions:rf,...`). */
  readonly emulatorTopics: readonly TopicSpec[];
  /** Emulator-only: how long the controller waits for `rf` live brokers before creating with fewer. */
  readonly emulatorTopicCreateWaitMs: number;
}

/** A startup failure, rendered like the Java exception Kafka logs. */
export class KafkaConfigError extends Error {
  constructor(
    readonly javaClass: string,
    message: string,
  ) {
    super(message);
  }
  /** e.g. `org.apache.kafka.common.config.ConfigException: Missing required configuration ...` */
  render(): string {
    return `${this.javaClass}: ${this.message}`;
  }
}

const configException = (msg: string): KafkaConfigError =>
  new KafkaConfigError('org.apache.kafka.common.config.ConfigException', msg);
const requirement = (msg: string): KafkaConfigError =>
  new KafkaConfigError('java.lang.IllegalArgumentException', `requirement failed: ${msg}`);

export const DEFAULT_PROTOCOL_MAP = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';
export const DEFAULT_EMULATOR_TOPICS = 'emulator-default:3:3';

/** Kafka's EndPoint regex: `NAME://host:port`, IPv6 in brackets. [kafka EndPoint.scala] */
export function parseListeners(value: string): Endpoint[] {
  const out: Endpoint[] = [];
  for (const raw of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*?)\]?:(-?[0-9]+)$/.exec(raw);
    if (!m) throw new KafkaConfigError('org.apache.kafka.common.KafkaException', `Unable to parse ${raw} to a broker endpoint`);
    out.push({ name: m[1]!.toUpperCase(), host: m[2]!, port: Number(m[3]) });
  }
  return out;
}

export function renderEndpoint(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.name}://${host}:${e.port}`;
}

function parseIntKey(props: ReadonlyMap<string, string>, key: string, dflt: number): number {
  const v = props.get(key)?.trim();
  if (v === undefined || v === '') return dflt;
  if (!/^-?\d+$/.test(v)) throw configException(`Invalid value ${v} for configuration ${key}: Not a number of type INT`);
  return Number(v);
}

function parseBoolKey(props: ReadonlyMap<string, string>, key: string, dflt: boolean): boolean {
  const v = props.get(key)?.trim().toLowerCase();
  if (v === undefined || v === '') return dflt;
  if (v !== 'true' && v !== 'false') throw configException(`Invalid value ${v} for configuration ${key}: Expected value to be either true or false`);
  return v === 'true';
}

function parseList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseTopicSpecs(value: string): TopicSpec[] {
  return parseList(value).map((item) => {
    const [name, p, rf] = item.split(':');
    const partitions = Number(p ?? '1');
    const replicationFactor = Number(rf ?? '1');
    if (!name || !/^[a-zA-Z0-9._-]+$/.test(name) || !Number.isInteger(partitions) || partitions < 1 || !Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw configException(`Invalid value ${value} for configuration emulator.topics: expected name:partitions:replicationFactor,...`);
    }
    return { name, partitions, replicationFactor };
  });
}

export function parseVoters(value: string): Voter[] {
  return parseList(value).map((item) => {
    const m = /^(\d+)@\[?([^\]]*?)\]?:(\d+)$/.exec(item);
    if (!m) {
      throw configException(`Invalid value ${value} for configuration controller.quorum.voters: Unable to parse voter ${item}`);
    }
    return { id: Number(m[1]), host: m[2]!, port: Number(m[3]) };
  });
}

function parseHostPorts(value: string): { host: string; port: number }[] {
  return parseList(value).map((item) => {
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(item);
    if (!m) throw configException(`Invalid value ${value} for configuration controller.quorum.bootstrap.servers: Unable to parse ${item}`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

function parseProtocolMap(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of parseList(value)) {
    const [name, proto] = item.split(':').map((s) => s.trim());
    if (!name || !proto) throw configException(`Invalid value ${value} for configuration listener.security.protocol.map: Map entry '${item}' is improperly formatted.`);
    map.set(name.toUpperCase(), proto.toUpperCase());
  }
  return map;
}

function checkDistinct(endpoints: readonly Endpoint[], listenersValue: string): void {
  const names = new Set(endpoints.map((e) => e.name));
  if (names.size !== endpoints.length) throw requirement(`Each listener must have a different name, listeners: ${listenersValue}`);
  const ports = new Set(endpoints.filter((e) => e.port !== 0).map((e) => e.port));
  if (ports.size !== endpoints.filter((e) => e.port !== 0).length) {
    throw requirement(
      `Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, listeners: ${listenersValue}`,
    );
  }
}

/** Throws KafkaConfigError on the first rule Kafka would reject. */
export function parseServerConfig(props: ReadonlyMap<string, string>): ServerConfig {
  const roleList = parseList(props.get('process.roles'));
  for (const r of roleList) {
    if (r !== 'broker' && r !== 'controller') throw configException(`Unknown process role '${r}' (only 'broker' and 'controller' are allowed roles)`);
  }
  const roles = [...new Set(roleList)] as Role[];
  const mode: 'zk' | 'kraft' = roles.length > 0 ? 'kraft' : 'zk';

  const listenersValue = props.get('listeners') ?? (mode === 'zk' ? 'PLAINTEXT://:9092' : '');
  const listeners = parseListeners(listenersValue);
  checkDistinct(listeners, listenersValue);
  const protocolMapValue = props.get('listener.security.protocol.map');
  const protocolMap = parseProtocolMap(protocolMapValue ?? DEFAULT_PROTOCOL_MAP);
  const controllerListenerNames = parseList(props.get('controller.listener.names')).map((s) => s.toUpperCase());
  if (mode === 'kraft' && protocolMapValue === undefined) {
    // Kafka maps controller listeners to PLAINTEXT when the map is left at its default.
    for (const n of controllerListenerNames) if (!protocolMap.has(n)) protocolMap.set(n, 'PLAINTEXT');
  }
  for (const l of listeners) {
    if (!protocolMap.has(l.name)) throw configException(`No security protocol defined for listener ${l.name}`);
  }

  const advertisedValue = props.get('advertised.listeners');
  let advertisedListeners = advertisedValue !== undefined ? parseListeners(advertisedValue) : listeners;
  if (mode === 'kraft' && advertisedValue === undefined && !roles.includes('controller')) {
    advertisedListeners = listeners.filter((l) => !controllerListenerNames.includes(l.name));
  }

  const logDirs = parseList(props.get('log.dirs') ?? props.get('log.dir') ?? '/tmp/kafka-logs');
  const zkConnect = props.get('zookeeper.connect')?.trim() || null;
  const slash = zkConnect?.indexOf('/') ?? -1;
  const zkServers = zkConnect && slash > 0 ? zkConnect.slice(0, slash) : (zkConnect ?? '');
  let zkChroot = zkConnect && slash > 0 ? zkConnect.slice(slash).replace(/\/+$/, '') : '';
  if (zkChroot === '/') zkChroot = '';

  const brokerId = parseIntKey(props, 'broker.id', -1);
  const nodeIdRaw = parseIntKey(props, 'node.id', -1);
  const brokerIdGeneration = parseBoolKey(props, 'broker.id.generation.enable', true);
  const reservedBrokerMaxId = parseIntKey(props, 'reserved.broker.max.id', 1000);
  const interBrokerListenerName = (props.get('inter.broker.listener.name') ?? 'PLAINTEXT').toUpperCase();
  const voters = parseVoters(props.get('controller.quorum.voters') ?? '');
  const bootstrapControllers = parseHostPorts(props.get('controller.quorum.bootstrap.servers') ?? '');
  let nodeId: number;

  if (mode === 'zk') {
    if (!zkConnect) throw configException('Missing required configuration `zookeeper.connect` which has no default value.');
    if (brokerIdGeneration) {
      if (brokerId < -1 || brokerId > reservedBrokerMaxId) {
        throw requirement('broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id');
      }
    } else if (brokerId < 0) throw requirement('broker.id must be greater than or equal to 0');
    if (controllerListenerNames.length > 0) {
      throw requirement(`controller.listener.names must be empty when not running in KRaft mode: [${controllerListenerNames.join(', ')}]`);
    }
    nodeId = brokerId;
  } else {
    if (nodeIdRaw < 0) {
      throw requirement('Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).');
    }
    if (props.has('broker.id') && brokerId !== nodeIdRaw) throw requirement('You must set `node.id` to the same value as `broker.id`.');
    nodeId = nodeIdRaw;
    if (voters.length === 0 && bootstrapControllers.length === 0) {
      throw configException(
        'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.',
      );
    }
    const voterIds = voters.map((v) => v.id);
    const listenerNames = listeners.map((l) => l.name);
    if (roles.includes('controller')) {
      if (controllerListenerNames.length === 0 || !controllerListenerNames.every((n) => listenerNames.includes(n))) {
        throw requirement(
          "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role",
        );
      }
      if (voters.length > 0 && !voterIds.includes(nodeId)) {
        throw requirement(
          `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters controller.quorum.voters=${JSON.stringify(voterIds)}`,
        );
      }
      if (!roles.includes('broker') && listeners.some((l) => !controllerListenerNames.includes(l.name))) {
        throw requirement(
          `The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller`,
        );
      }
    } else {
      if (controllerListenerNames.length === 0) {
        throw requirement('controller.listener.names must contain at least one value when running KRaft with just the broker role');
      }
      if (listenerNames.some((n) => controllerListenerNames.includes(n))) {
        throw requirement(
          `The listeners config must not contain KRaft controller listeners from controller.listener.names when process.roles contains the broker role because Kafka clients that send requests via advertised listeners wouldn't be able to connect to them. It is valid for process.roles=broker,controller in KRaft mode.`,
        );
      }
      if (voterIds.includes(nodeId)) {
        throw requirement(
          `If process.roles contains just the 'broker' role, the node id ${nodeId} must not be included in the set of voters controller.quorum.voters=${JSON.stringify(voterIds)}`,
        );
      }
      if (!controllerListenerNames.every((n) => protocolMap.has(n))) {
        throw configException(`Controller listener with name ${controllerListenerNames[0]} defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)`);
      }
    }
  }

  if (logDirs.length === 0) throw requirement('At least one log directory must be defined via log.dirs or log.dir.');
  checkDistinct(advertisedListeners, advertisedValue ?? listenersValue);
  const listenerNames = new Set(listeners.map((l) => l.name));
  const advertisedNames = advertisedListeners.map((l) => l.name);
  if (!advertisedNames.every((n) => listenerNames.has(n))) {
    throw requirement(
      `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${[...listenerNames].join(',')}`,
    );
  }
  if (advertisedListeners.some((e) => e.host === '0.0.0.0')) {
    throw requirement('advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
  }
  const isBroker = mode === 'zk' || roles.includes('broker');
  if (isBroker && !advertisedNames.includes(interBrokerListenerName)) {
    throw requirement(
      `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.filter((n) => !controllerListenerNames.includes(n)).join(',')}`,
    );
  }

  const rack = props.get('broker.rack')?.trim() || null;
  const emulatorTopics = parseTopicSpecs(props.get('emulator.topics') ?? DEFAULT_EMULATOR_TOPICS);
  return {
    mode,
    nodeId,
    roles,
    listeners,
    advertisedListeners,
    protocolMap,
    interBrokerListenerName,
    controllerListenerNames,
    logDirs,
    metadataLogDir: props.get('metadata.log.dir')?.trim() || logDirs[0]!,
    zkConnect,
    zkServers,
    zkChroot,
    zkSessionTimeoutMs: parseIntKey(props, 'zookeeper.session.timeout.ms', 18000),
    zkConnectionTimeoutMs: parseIntKey(props, 'zookeeper.connection.timeout.ms', parseIntKey(props, 'zookeeper.session.timeout.ms', 18000)),
    rack,
    brokerIdGeneration,
    reservedBrokerMaxId,
    voters,
    bootstrapControllers,
    autoLeaderRebalance: parseBoolKey(props, 'auto.leader.rebalance.enable', true),
    leaderImbalanceCheckIntervalMs: parseIntKey(props, 'leader.imbalance.check.interval.seconds', 300) * 1000,
    controlledShutdown: parseBoolKey(props, 'controlled.shutdown.enable', true),
    brokerHeartbeatIntervalMs: parseIntKey(props, 'broker.heartbeat.interval.ms', 2000),
    brokerSessionTimeoutMs: parseIntKey(props, 'broker.session.timeout.ms', 9000),
    quorumElectionTimeoutMs: parseIntKey(props, 'controller.quorum.election.timeout.ms', 1000),
    quorumFetchTimeoutMs: parseIntKey(props, 'controller.quorum.fetch.timeout.ms', 2000),
    emulatorTopics,
    emulatorTopicCreateWaitMs: parseIntKey(props, 'emulator.topic.create.wait.ms', 10000),
  };
}
