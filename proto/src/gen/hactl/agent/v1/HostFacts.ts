// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface HostFacts {
  'hostname'?: (string);
  'os'?: (string);
  'kernel'?: (string);
  'cpus'?: (number);
  'memoryBytes'?: (number | string | Long);
  'javaVersion'?: (string);
  'nodeVersion'?: (string);
  'dataRoot'?: (string);
  'labels'?: ({[key: string]: string});
}

export interface HostFacts__Output {
  'hostname': (string);
  'os': (string);
  'kernel': (string);
  'cpus': (number);
  'memoryBytes': (number);
  'javaVersion': (string);
  'nodeVersion': (string);
  'dataRoot': (string);
  'labels': ({[key: string]: string});
}
