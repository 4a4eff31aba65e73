// Original file: proto/hactl/agent/v1/agent.proto

import type { Welcome as _hactl_agent_v1_Welcome, Welcome__Output as _hactl_agent_v1_Welcome__Output } from '../../../hactl/agent/v1/Welcome.js';
import type { DesiredState as _hactl_agent_v1_DesiredState, DesiredState__Output as _hactl_agent_v1_DesiredState__Output } from '../../../hactl/agent/v1/DesiredState.js';
import type { Command as _hactl_agent_v1_Command, Command__Output as _hactl_agent_v1_Command__Output } from '../../../hactl/agent/v1/Command.js';

export interface ControlMessage {
  'welcome'?: (_hactl_agent_v1_Welcome | null);
  'desired'?: (_hactl_agent_v1_DesiredState | null);
  'command'?: (_hactl_agent_v1_Command | null);
  'body'?: "welcome"|"desired"|"command";
}

export interface ControlMessage__Output {
  'welcome'?: (_hactl_agent_v1_Welcome__Output | null);
  'desired'?: (_hactl_agent_v1_DesiredState__Output | null);
  'command'?: (_hactl_agent_v1_Command__Output | null);
  'body'?: "welcome"|"desired"|"command";
}
