// Original file: proto/hactl/agent/v1/agent.proto

import type { LogFollow as _hactl_agent_v1_LogFollow, LogFollow__Output as _hactl_agent_v1_LogFollow__Output } from '../../../hactl/agent/v1/LogFollow.js';
import type { Long } from '@grpc/proto-loader';

export interface ExecStart {
  'id'?: (string);
  'argv'?: (string)[];
  'shell'?: (boolean);
  'timeoutMs'?: (number);
  'maxOutputBytes'?: (number | string | Long);
  'windowBytes'?: (number);
  'follow'?: (_hactl_agent_v1_LogFollow | null);
}

export interface ExecStart__Output {
  'id': (string);
  'argv': (string)[];
  'shell': (boolean);
  'timeoutMs': (number);
  'maxOutputBytes': (number);
  'windowBytes': (number);
  'follow': (_hactl_agent_v1_LogFollow__Output | null);
}
