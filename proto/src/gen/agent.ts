import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AcquireLeaseRequest as _hactl_agent_v1_AcquireLeaseRequest, AcquireLeaseRequest__Output as _hactl_agent_v1_AcquireLeaseRequest__Output } from './hactl/agent/v1/AcquireLeaseRequest.js';
import type { AcquireLeaseResponse as _hactl_agent_v1_AcquireLeaseResponse, AcquireLeaseResponse__Output as _hactl_agent_v1_AcquireLeaseResponse__Output } from './hactl/agent/v1/AcquireLeaseResponse.js';
import type { AgentMessage as _hactl_agent_v1_AgentMessage, AgentMessage__Output as _hactl_agent_v1_AgentMessage__Output } from './hactl/agent/v1/AgentMessage.js';
import type { AgentServiceClient as _hactl_agent_v1_AgentServiceClient, AgentServiceDefinition as _hactl_agent_v1_AgentServiceDefinition } from './hactl/agent/v1/AgentService.js';
import type { Command as _hactl_agent_v1_Command, Command__Output as _hactl_agent_v1_Command__Output } from './hactl/agent/v1/Command.js';
import type { CommandResult as _hactl_agent_v1_CommandResult, CommandResult__Output as _hactl_agent_v1_CommandResult__Output } from './hactl/agent/v1/CommandResult.js';
import type { ControlMessage as _hactl_agent_v1_ControlMessage, ControlMessage__Output as _hactl_agent_v1_ControlMessage__Output } from './hactl/agent/v1/ControlMessage.js';
import type { DesiredInstance as _hactl_agent_v1_DesiredInstance, DesiredInstance__Output as _hactl_agent_v1_DesiredInstance__Output } from './hactl/agent/v1/DesiredInstance.js';
import type { DesiredState as _hactl_agent_v1_DesiredState, DesiredState__Output as _hactl_agent_v1_DesiredState__Output } from './hactl/agent/v1/DesiredState.js';
import type { EnrollRequest as _hactl_agent_v1_EnrollRequest, EnrollRequest__Output as _hactl_agent_v1_EnrollRequest__Output } from './hactl/agent/v1/EnrollRequest.js';
import type { EnrollResponse as _hactl_agent_v1_EnrollResponse, EnrollResponse__Output as _hactl_agent_v1_EnrollResponse__Output } from './hactl/agent/v1/EnrollResponse.js';
import type { ExecCancel as _hactl_agent_v1_ExecCancel, ExecCancel__Output as _hactl_agent_v1_ExecCancel__Output } from './hactl/agent/v1/ExecCancel.js';
import type { ExecCredit as _hactl_agent_v1_ExecCredit, ExecCredit__Output as _hactl_agent_v1_ExecCredit__Output } from './hactl/agent/v1/ExecCredit.js';
import type { ExecExit as _hactl_agent_v1_ExecExit, ExecExit__Output as _hactl_agent_v1_ExecExit__Output } from './hactl/agent/v1/ExecExit.js';
import type { ExecOutput as _hactl_agent_v1_ExecOutput, ExecOutput__Output as _hactl_agent_v1_ExecOutput__Output } from './hactl/agent/v1/ExecOutput.js';
import type { ExecStart as _hactl_agent_v1_ExecStart, ExecStart__Output as _hactl_agent_v1_ExecStart__Output } from './hactl/agent/v1/ExecStart.js';
import type { ExitFailure as _hactl_agent_v1_ExitFailure, ExitFailure__Output as _hactl_agent_v1_ExitFailure__Output } from './hactl/agent/v1/ExitFailure.js';
import type { Hello as _hactl_agent_v1_Hello, Hello__Output as _hactl_agent_v1_Hello__Output } from './hactl/agent/v1/Hello.js';
import type { HostFacts as _hactl_agent_v1_HostFacts, HostFacts__Output as _hactl_agent_v1_HostFacts__Output } from './hactl/agent/v1/HostFacts.js';
import type { InstanceStatus as _hactl_agent_v1_InstanceStatus, InstanceStatus__Output as _hactl_agent_v1_InstanceStatus__Output } from './hactl/agent/v1/InstanceStatus.js';
import type { LogFollow as _hactl_agent_v1_LogFollow, LogFollow__Output as _hactl_agent_v1_LogFollow__Output } from './hactl/agent/v1/LogFollow.js';
import type { ReleaseLeaseRequest as _hactl_agent_v1_ReleaseLeaseRequest, ReleaseLeaseRequest__Output as _hactl_agent_v1_ReleaseLeaseRequest__Output } from './hactl/agent/v1/ReleaseLeaseRequest.js';
import type { ReleaseLeaseResponse as _hactl_agent_v1_ReleaseLeaseResponse, ReleaseLeaseResponse__Output as _hactl_agent_v1_ReleaseLeaseResponse__Output } from './hactl/agent/v1/ReleaseLeaseResponse.js';
import type { StatusReport as _hactl_agent_v1_StatusReport, StatusReport__Output as _hactl_agent_v1_StatusReport__Output } from './hactl/agent/v1/StatusReport.js';
import type { Welcome as _hactl_agent_v1_Welcome, Welcome__Output as _hactl_agent_v1_Welcome__Output } from './hactl/agent/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hactl: {
    agent: {
      v1: {
        AcquireLeaseRequest: MessageTypeDefinition<_hactl_agent_v1_AcquireLeaseRequest, _hactl_agent_v1_AcquireLeaseRequest__Output>
        AcquireLeaseResponse: MessageTypeDefinition<_hactl_agent_v1_AcquireLeaseResponse, _hactl_agent_v1_AcquireLeaseResponse__Output>
        AgentMessage: MessageTypeDefinition<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_AgentMessage__Output>
        AgentService: SubtypeConstructor<typeof grpc.Client, _hactl_agent_v1_AgentServiceClient> & { service: _hactl_agent_v1_AgentServiceDefinition }
        Command: MessageTypeDefinition<_hactl_agent_v1_Command, _hactl_agent_v1_Command__Output>
        CommandResult: MessageTypeDefinition<_hactl_agent_v1_CommandResult, _hactl_agent_v1_CommandResult__Output>
        ControlMessage: MessageTypeDefinition<_hactl_agent_v1_ControlMessage, _hactl_agent_v1_ControlMessage__Output>
        DesiredInstance: MessageTypeDefinition<_hactl_agent_v1_DesiredInstance, _hactl_agent_v1_DesiredInstance__Output>
        DesiredState: MessageTypeDefinition<_hactl_agent_v1_DesiredState, _hactl_agent_v1_DesiredState__Output>
        EnrollRequest: MessageTypeDefinition<_hactl_agent_v1_EnrollRequest, _hactl_agent_v1_EnrollRequest__Output>
        EnrollResponse: MessageTypeDefinition<_hactl_agent_v1_EnrollResponse, _hactl_agent_v1_EnrollResponse__Output>
        ExecCancel: MessageTypeDefinition<_hactl_agent_v1_ExecCancel, _hactl_agent_v1_ExecCancel__Output>
        ExecCredit: MessageTypeDefinition<_hactl_agent_v1_ExecCredit, _hactl_agent_v1_ExecCredit__Output>
        ExecExit: MessageTypeDefinition<_hactl_agent_v1_ExecExit, _hactl_agent_v1_ExecExit__Output>
        ExecOutput: MessageTypeDefinition<_hactl_agent_v1_ExecOutput, _hactl_agent_v1_ExecOutput__Output>
        ExecStart: MessageTypeDefinition<_hactl_agent_v1_ExecStart, _hactl_agent_v1_ExecStart__Output>
        ExitFailure: MessageTypeDefinition<_hactl_agent_v1_ExitFailure, _hactl_agent_v1_ExitFailure__Output>
        Hello: MessageTypeDefinition<_hactl_agent_v1_Hello, _hactl_agent_v1_Hello__Output>
        HostFacts: MessageTypeDefinition<_hactl_agent_v1_HostFacts, _hactl_agent_v1_HostFacts__Output>
        InstanceStatus: MessageTypeDefinition<_hactl_agent_v1_InstanceStatus, _hactl_agent_v1_InstanceStatus__Output>
        LogFollow: MessageTypeDefinition<_hactl_agent_v1_LogFollow, _hactl_agent_v1_LogFollow__Output>
        ReleaseLeaseRequest: MessageTypeDefinition<_hactl_agent_v1_ReleaseLeaseRequest, _hactl_agent_v1_ReleaseLeaseRequest__Output>
        ReleaseLeaseResponse: MessageTypeDefinition<_hactl_agent_v1_ReleaseLeaseResponse, _hactl_agent_v1_ReleaseLeaseResponse__Output>
        StatusReport: MessageTypeDefinition<_hactl_agent_v1_StatusReport, _hactl_agent_v1_StatusReport__Output>
        Welcome: MessageTypeDefinition<_hactl_agent_v1_Welcome, _hactl_agent_v1_Welcome__Output>
      }
    }
  }
}

