import type { kafka } from '@hactl/shared';
import type { AgentServiceKind } from '../types.js';
import { planKafkaPreStart, planKafkaProcess } from './process.js';
import { createKafkaProber } from './probe.js';
import { afterKafkaRemoval, beforeKafkaRemoval } from './removal.js';
import { afterKafkaRestart, beforeKafkaRestart } from './stop-gate.js';

export const kafkaAgentKind: AgentServiceKind<kafka.KafkaInputs> = {
  kind: 'kafka',
  serviceUser: 'kafka',
  planProcess: planKafkaProcess,
  planPreStart: planKafkaPreStart,
  createProber: () => createKafkaProber(),
  beforeRestart: (inputs, timeoutMs) => beforeKafkaRestart(inputs, timeoutMs),
  // A stop that lasts needs the same partition check as a restart's stop (min ISR without it).
  beforeStop: (inputs, timeoutMs) => beforeKafkaRestart(inputs, timeoutMs),
  afterRestart: (inputs, timeoutMs) => afterKafkaRestart(inputs, timeoutMs),
  beforeRemoval: (inputs, opts) => beforeKafkaRemoval(inputs, opts),
  afterRemoval: (inputs, opts) => afterKafkaRemoval(inputs, opts),
};
