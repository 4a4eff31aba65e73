// Original file: proto/hactl/agent/v1/agent.proto

import type { DesiredInstance as _hactl_agent_v1_DesiredInstance, DesiredInstance__Output as _hactl_agent_v1_DesiredInstance__Output } from '../../../hactl/agent/v1/DesiredInstance.js';
import type { Long } from '@grpc/proto-loader';

export interface DesiredState {
  'generation'?: (number | string | Long);
  'instances'?: (_hactl_agent_v1_DesiredInstance)[];
}

export interface DesiredState__Output {
  'generation': (number);
  'instances': (_hactl_agent_v1_DesiredInstance__Output)[];
}
