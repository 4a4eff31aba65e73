// Original file: proto/hactl/agent/v1/agent.proto

import type { InstanceStatus as _hactl_agent_v1_InstanceStatus, InstanceStatus__Output as _hactl_agent_v1_InstanceStatus__Output } from '../../../hactl/agent/v1/InstanceStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusReport {
  'appliedGeneration'?: (number | string | Long);
  'applyError'?: (string);
  'instances'?: (_hactl_agent_v1_InstanceStatus)[];
  'sentAtMs'?: (number | string | Long);
}

export interface StatusReport__Output {
  'appliedGeneration': (number);
  'applyError': (string);
  'instances': (_hactl_agent_v1_InstanceStatus__Output)[];
  'sentAtMs': (number);
}
