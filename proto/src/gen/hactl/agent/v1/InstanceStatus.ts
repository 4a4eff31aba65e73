// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface InstanceStatus {
  'id'?: (string);
  'cluster'?: (string);
  'kind'?: (string);
  'process'?: (string);
  'pid'?: (number);
  'restarts'?: (number);
  'lastExit'?: (string);
  'adopted'?: (boolean);
  'detail'?: (string);
  'probeAtMs'?: (number | string | Long);
  'probeJson'?: (string);
  'restartPending'?: (boolean);
  'logFiles'?: (string)[];
}

export interface InstanceStatus__Output {
  'id': (string);
  'cluster': (string);
  'kind': (string);
  'process': (string);
  'pid': (number);
  'restarts': (number);
  'lastExit': (string);
  'adopted': (boolean);
  'detail': (string);
  'probeAtMs': (number);
  'probeJson': (string);
  'restartPending': (boolean);
  'logFiles': (string)[];
}
