import type { kafka } from '@hactl/shared';

/** Render inputs of one Kafka node in each mode, for the kind's tests. */
export const zkInputs: kafka.KafkaInputs = {
  cluster: 'kafka-main',
  mode: 'zookeeper',
  id: 1,
  roles: ['broker'],
  address: '127.0.0.11',
  port: 9092,
  listeners: 'PLAINTEXT://127.0.0.11:9092',
  advertisedListeners: 'PLAINTEXT://127.0.0.11:9092',
  zookeeperConnect: '127.0.0.1:2181/kafka-main',
  logDirs: ['/d/k/1/data'],
  confDir: '/d/k/1/conf',
  logDir: '/d/k/1/logs',
  home: '/opt/kafka',
  config: {},
  heap: '512m',
  jvmFlags: ['-XX:+UseG1GC'],
};
export const kraftInputs: kafka.KafkaInputs = {
  ...zkInputs,
  mode: 'kraft',
  roles: ['broker', 'controller'],
  controllerPort: 9093,
  zookeeperConnect: undefined,
  listeners: 'PLAINTEXT://127.0.0.11:9092,CONTROLLER://127.0.0.11:9093',
  voters: [{ id: 1, address: '127.0.0.11', port: 9093 }],
  clusterId: 'MkU3OEVBNTcwNTJENDM2Qg',
};
delete (kraftInputs as Partial<kafka.KafkaInputs>).zookeeperConnect;
