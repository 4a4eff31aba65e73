import type { ServiceKind } from '../types.js';
import { kafkaSpecSchema, validateKafkaSpec, type KafkaSpec } from './spec.js';
import { KRAFT_CLUSTER_ID_FACT, kafkaDependencies, kafkaInitialFacts, planKafka } from './plan.js';
import { parseKafkaInputs, type KafkaInputs } from './inputs.js';
import { renderKafkaFiles } from './render.js';
import { parseKafkaProbe } from './parse.js';
import { checkKafkaHealth } from './health.js';
import { indexPath } from '../member.js';
import { classifyKafkaChange } from './change.js';
import { checkKafkaIdentityChange, kafkaChroot } from './identity.js';

export * from './spec.js';
export * from './plan.js';
export * from './inputs.js';
export * from './render.js';
export * from './parse.js';
export * from './health.js';
export * from './change.js';
export * from './partition-state.js';
export * from './stop-safety.js';
export * from './identity.js';

export const kafkaKind: ServiceKind<KafkaSpec, KafkaInputs> = {
  kind: 'kafka',
  specSchema: kafkaSpecSchema,
  validate: validateKafkaSpec,
  plan: planKafka,
  parseInputs: parseKafkaInputs,
  render: renderKafkaFiles,
  parseProbe: parseKafkaProbe,
  checkHealth: checkKafkaHealth,
  classifyChange: classifyKafkaChange,
  claims: (i) => ({
    ports: [
      ...(i.port !== undefined ? [{ port: i.port, what: 'kafka PLAINTEXT listener' }] : []),
      ...(i.controllerPort !== undefined
        ? [{ port: i.controllerPort, what: 'kafka CONTROLLER listener' }]
        : []),
    ],
    dirs: i.logDirs,
  }),
  memberPath: (spec, plan) => indexPath('brokers', spec.brokers, (b) => b.id === plan.inputs.id),
  dependencies: kafkaDependencies,
  znodeRoot: (spec) => {
    // In ZooKeeper mode, under its chroot on the cluster it depends on; KRaft keeps none.
    const [zookeeper] = kafkaDependencies(spec);
    return zookeeper !== undefined ? { zookeeper, root: kafkaChroot(spec), path: 'chroot' } : undefined;
  },
  initialFacts: kafkaInitialFacts,
  checkIdentityChange: checkKafkaIdentityChange,
  // Every log dir's meta.properties holds the KRaft cluster id it was formatted with.
  durableFacts: [KRAFT_CLUSTER_ID_FACT],
  clientEndpoint: (i) => (i.port !== undefined ? { address: i.address, port: i.port } : undefined),
  planNotes: (before, after) => {
    if (!before || JSON.stringify(before.distribution) === JSON.stringify(after.distribution)) return [];
    const notes = [
      'kafka upgrade: brokers are restarted one at a time on the new binaries; ' +
        'keep inter.broker.protocol.version (ZooKeeper mode) or metadata.version (KRaft) at the old release until every broker runs the new one, ' +
        'then raise it in a second apply (Kafka upgrade guide)',
    ];
    if (after.mode === 'zookeeper')
      notes.push(
        'kafka 4.x removed ZooKeeper mode: a ZooKeeper-mode cluster must migrate to KRaft on 3.9 before moving to 4.x (service-facts §2.4)',
      );
    return notes;
  },
};
