import type { ServiceKind } from '../types.js';
import { validateKafkaSpec, type KafkaSpec } from './spec.js';
import { kafkaDependencies, kafkaInitialFacts, planKafka } from './plan.js';
import { parseKafkaInputs, type KafkaInputs } from './inputs.js';
import { renderKafkaFiles } from './render.js';
import { parseKafkaProbe } from './parse.js';
import { checkKafkaHealth } from './health.js';

export * from './spec.js';
export * from './plan.js';
export * from './inputs.js';
export * from './render.js';
export * from './parse.js';
export * from './health.js';

export const kafkaKind: ServiceKind<KafkaSpec, KafkaInputs> = {
  kind: 'kafka',
  validate: validateKafkaSpec,
  plan: planKafka,
  parseInputs: parseKafkaInputs,
  render: renderKafkaFiles,
  parseProbe: parseKafkaProbe,
  checkHealth: checkKafkaHealth,
  claims: (i) => ({
    ports: [
      ...(i.port !== undefined ? [{ port: i.port, what: 'kafka PLAINTEXT listener' }] : []),
      ...(i.controllerPort !== undefined ? [{ port: i.controllerPort, what: 'kafka CONTROLLER listener' }] : []),
    ],
    dirs: i.logDirs,
  }),
  dependencies: kafkaDependencies,
  initialFacts: kafkaInitialFacts,
};
