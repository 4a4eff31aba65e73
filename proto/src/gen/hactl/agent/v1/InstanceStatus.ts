// Original file: proto/hactl/agent/v1/agent.proto

import type { ExitFailure as _hactl_agent_v1_ExitFailure, ExitFailure__Output as _hactl_agent_v1_ExitFailure__Output } from '../../../hactl/agent/v1/ExitFailure.js';
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
  'failure'?: (_hactl_agent_v1_ExitFailure | null);
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
  'failure': (_hactl_agent_v1_ExitFailure__Output | null);
}
