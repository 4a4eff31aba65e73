// Original file: proto/hactl/agent/v1/agent.proto

import type { HostFacts as _hactl_agent_v1_HostFacts, HostFacts__Output as _hactl_agent_v1_HostFacts__Output } from '../../../hactl/agent/v1/HostFacts.js';
import type { StatusReport as _hactl_agent_v1_StatusReport, StatusReport__Output as _hactl_agent_v1_StatusReport__Output } from '../../../hactl/agent/v1/StatusReport.js';

export interface Hello {
  'name'?: (string);
  'address'?: (string);
  'agentVersion'?: (string);
  'facts'?: (_hactl_agent_v1_HostFacts | null);
  'status'?: (_hactl_agent_v1_StatusReport | null);
  'capabilities'?: (string)[];
}

export interface Hello__Output {
  'name': (string);
  'address': (string);
  'agentVersion': (string);
  'facts': (_hactl_agent_v1_HostFacts__Output | null);
  'status': (_hactl_agent_v1_StatusReport__Output | null);
  'capabilities': (string)[];
}
