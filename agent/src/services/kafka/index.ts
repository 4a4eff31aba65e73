import type { kafka } from '@hactl/shared';
import type { AgentServiceKind } from '../types.js';
import { planKafkaPreStart, planKafkaProcess } from './process.js';
import { createKafkaProber } from './probe.js';
import { beforeKafkaRemove } from './remove.js';

export const kafkaAgentKind: AgentServiceKind<kafka.KafkaInputs> = {
  kind: 'kafka',
  serviceUser: 'kafka',
  planProcess: planKafkaProcess,
  planPreStart: planKafkaPreStart,
  createProber: () => createKafkaProber(),
  beforeRemove: (inputs, o) => beforeKafkaRemove(inputs, o),
};
