// Original file: proto/hactl/agent/v1/agent.proto

import type { Welcome as _hactl_agent_v1_Welcome, Welcome__Output as _hactl_agent_v1_Welcome__Output } from '../../../hactl/agent/v1/Welcome.js';
import type { DesiredState as _hactl_agent_v1_DesiredState, DesiredState__Output as _hactl_agent_v1_DesiredState__Output } from '../../../hactl/agent/v1/DesiredState.js';
import type { Command as _hactl_agent_v1_Command, Command__Output as _hactl_agent_v1_Command__Output } from '../../../hactl/agent/v1/Command.js';
import type { ExecStart as _hactl_agent_v1_ExecStart, ExecStart__Output as _hactl_agent_v1_ExecStart__Output } from '../../../hactl/agent/v1/ExecStart.js';
import type { ExecCredit as _hactl_agent_v1_ExecCredit, ExecCredit__Output as _hactl_agent_v1_ExecCredit__Output } from '../../../hactl/agent/v1/ExecCredit.js';
import type { ExecCancel as _hactl_agent_v1_ExecCancel, ExecCancel__Output as _hactl_agent_v1_ExecCancel__Output } from '../../../hactl/agent/v1/ExecCancel.js';

export interface ControlMessage {
  'welcome'?: (_hactl_agent_v1_Welcome | null);
  'desired'?: (_hactl_agent_v1_DesiredState | null);
  'command'?: (_hactl_agent_v1_Command | null);
  'execStart'?: (_hactl_agent_v1_ExecStart | null);
  'execCredit'?: (_hactl_agent_v1_ExecCredit | null);
  'execCancel'?: (_hactl_agent_v1_ExecCancel | null);
  'body'?: "welcome"|"desired"|"command"|"execStart"|"execCredit"|"execCancel";
}

export interface ControlMessage__Output {
  'welcome'?: (_hactl_agent_v1_Welcome__Output | null);
  'desired'?: (_hactl_agent_v1_DesiredState__Output | null);
  'command'?: (_hactl_agent_v1_Command__Output | null);
  'execStart'?: (_hactl_agent_v1_ExecStart__Output | null);
  'execCredit'?: (_hactl_agent_v1_ExecCredit__Output | null);
  'execCancel'?: (_hactl_agent_v1_ExecCancel__Output | null);
  'body'?: "welcome"|"desired"|"command"|"execStart"|"execCredit"|"execCancel";
}
