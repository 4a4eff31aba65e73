// Original file: proto/hactl/agent/v1/agent.proto

import type { Hello as _hactl_agent_v1_Hello, Hello__Output as _hactl_agent_v1_Hello__Output } from '../../../hactl/agent/v1/Hello.js';
import type { StatusReport as _hactl_agent_v1_StatusReport, StatusReport__Output as _hactl_agent_v1_StatusReport__Output } from '../../../hactl/agent/v1/StatusReport.js';
import type { CommandResult as _hactl_agent_v1_CommandResult, CommandResult__Output as _hactl_agent_v1_CommandResult__Output } from '../../../hactl/agent/v1/CommandResult.js';
import type { ExecOutput as _hactl_agent_v1_ExecOutput, ExecOutput__Output as _hactl_agent_v1_ExecOutput__Output } from '../../../hactl/agent/v1/ExecOutput.js';
import type { ExecExit as _hactl_agent_v1_ExecExit, ExecExit__Output as _hactl_agent_v1_ExecExit__Output } from '../../../hactl/agent/v1/ExecExit.js';

export interface AgentMessage {
  'hello'?: (_hactl_agent_v1_Hello | null);
  'status'?: (_hactl_agent_v1_StatusReport | null);
  'commandResult'?: (_hactl_agent_v1_CommandResult | null);
  'execOutput'?: (_hactl_agent_v1_ExecOutput | null);
  'execExit'?: (_hactl_agent_v1_ExecExit | null);
  'body'?: "hello"|"status"|"commandResult"|"execOutput"|"execExit";
}

export interface AgentMessage__Output {
  'hello'?: (_hactl_agent_v1_Hello__Output | null);
  'status'?: (_hactl_agent_v1_StatusReport__Output | null);
  'commandResult'?: (_hactl_agent_v1_CommandResult__Output | null);
  'execOutput'?: (_hactl_agent_v1_ExecOutput__Output | null);
  'execExit'?: (_hactl_agent_v1_ExecExit__Output | null);
  'body'?: "hello"|"status"|"commandResult"|"execOutput"|"execExit";
}
