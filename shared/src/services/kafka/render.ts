import type { RenderedFile } from '../../domain.js';
import type { KafkaInputs } from './inputs.js';
import { hostPort } from '../../address.js';

/** The properties file the agent starts Kafka with. */
export function serverPropertiesPath(inputs: Pick<KafkaInputs, 'confDir'>): string {
  return `${inputs.confDir}/server.properties`;
}

/** `controller.quorum.voters`: `id@host:port,...` sorted by id (service-facts §2.3). */
export function renderVoters(voters: NonNullable<KafkaInputs['voters']>): string {
  return voters.map((v) => `${v.id}@${hostPort(v.address, v.port)}`).join(',');
}

/**
 * server.properties for one node. Byte-stable: sorted keys, no timestamps. Values were validated
 * (printable ASCII without backslashes, config-chars.ts), so each stays on its own `key=value` line
 * and reads back unchanged; paths hold no comma (paths.ts), so `log.dirs` splits back into the same
 * directories.
 *
 * - ZooKeeper mode: `broker.id`, `zookeeper.connect` with the chroot (the broker creates it,
 *   service-facts §2.1); no `controller.listener.names` (only allowed in KRaft or migration).
 * - KRaft: `node.id`, `process.roles`, a static `controller.quorum.voters`, `controller.listener.names=CONTROLLER`
 *   on every node; the CONTROLLER listener only on controllers (a broker-only node must not list it,
 *   but needs it in the protocol map); brokers advertise only PLAINTEXT (§2.3).
 * - Every listener binds the host's own address, never 0.0.0.0.
 */
export function renderServerProperties(inputs: KafkaInputs): string {
  const broker = inputs.roles.includes('broker');
  const kv: Record<string, string> = { ...inputs.config };
  kv.listeners = inputs.listeners;
  if (inputs.advertisedListeners) kv['advertised.listeners'] = inputs.advertisedListeners;
  kv['log.dirs'] = inputs.logDirs.join(',');
  if (broker) kv['inter.broker.listener.name'] = 'PLAINTEXT';
  if (inputs.rack) kv['broker.rack'] = inputs.rack;
  if (inputs.mode === 'zookeeper') {
    kv['broker.id'] = String(inputs.id);
    kv['zookeeper.connect'] = inputs.zookeeperConnect ?? '';
    kv['listener.security.protocol.map'] = 'PLAINTEXT:PLAINTEXT';
  } else {
    kv['node.id'] = String(inputs.id);
    kv['process.roles'] = inputs.roles.join(',');
    kv['controller.quorum.voters'] = renderVoters(inputs.voters ?? []);
    kv['controller.listener.names'] = 'CONTROLLER';
    kv['listener.security.protocol.map'] = 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT';
  }
  const lines = [
    `# Rendered by hactl for cluster ${inputs.cluster}, ${inputs.mode === 'kraft' ? 'node' : 'broker'} ${inputs.id} (${inputs.mode} mode). Local edits are overwritten.`,
    ...Object.keys(kv)
      .sort()
      .map((k) => `${k}=${kv[k]}`),
  ];
  return lines.join('\n') + '\n';
}

export function renderKafkaFiles(inputs: KafkaInputs): RenderedFile[] {
  return [{ path: serverPropertiesPath(inputs), content: renderServerProperties(inputs), mode: 0o644 }];
}
