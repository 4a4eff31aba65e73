// Original file: proto/hactl/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AcquireLeaseRequest as _hactl_agent_v1_AcquireLeaseRequest, AcquireLeaseRequest__Output as _hactl_agent_v1_AcquireLeaseRequest__Output } from '../../../hactl/agent/v1/AcquireLeaseRequest.js';
import type { AcquireLeaseResponse as _hactl_agent_v1_AcquireLeaseResponse, AcquireLeaseResponse__Output as _hactl_agent_v1_AcquireLeaseResponse__Output } from '../../../hactl/agent/v1/AcquireLeaseResponse.js';
import type { AgentMessage as _hactl_agent_v1_AgentMessage, AgentMessage__Output as _hactl_agent_v1_AgentMessage__Output } from '../../../hactl/agent/v1/AgentMessage.js';
import type { ControlMessage as _hactl_agent_v1_ControlMessage, ControlMessage__Output as _hactl_agent_v1_ControlMessage__Output } from '../../../hactl/agent/v1/ControlMessage.js';
import type { EnrollRequest as _hactl_agent_v1_EnrollRequest, EnrollRequest__Output as _hactl_agent_v1_EnrollRequest__Output } from '../../../hactl/agent/v1/EnrollRequest.js';
import type { EnrollResponse as _hactl_agent_v1_EnrollResponse, EnrollResponse__Output as _hactl_agent_v1_EnrollResponse__Output } from '../../../hactl/agent/v1/EnrollResponse.js';
import type { ReleaseLeaseRequest as _hactl_agent_v1_ReleaseLeaseRequest, ReleaseLeaseRequest__Output as _hactl_agent_v1_ReleaseLeaseRequest__Output } from '../../../hactl/agent/v1/ReleaseLeaseRequest.js';
import type { ReleaseLeaseResponse as _hactl_agent_v1_ReleaseLeaseResponse, ReleaseLeaseResponse__Output as _hactl_agent_v1_ReleaseLeaseResponse__Output } from '../../../hactl/agent/v1/ReleaseLeaseResponse.js';

export interface AgentServiceClient extends grpc.Client {
  AcquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  AcquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  AcquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  AcquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  acquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  acquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  acquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  acquireLease(argument: _hactl_agent_v1_AcquireLeaseRequest, callback: grpc.requestCallback<_hactl_agent_v1_AcquireLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_ControlMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_ControlMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_ControlMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_ControlMessage__Output>;
  
  Enroll(argument: _hactl_agent_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _hactl_agent_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _hactl_agent_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _hactl_agent_v1_EnrollRequest, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _hactl_agent_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _hactl_agent_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _hactl_agent_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _hactl_agent_v1_EnrollRequest, callback: grpc.requestCallback<_hactl_agent_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  
  ReleaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  releaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  releaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  releaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  releaseLease(argument: _hactl_agent_v1_ReleaseLeaseRequest, callback: grpc.requestCallback<_hactl_agent_v1_ReleaseLeaseResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  AcquireLease: grpc.handleUnaryCall<_hactl_agent_v1_AcquireLeaseRequest__Output, _hactl_agent_v1_AcquireLeaseResponse>;
  
  Connect: grpc.handleBidiStreamingCall<_hactl_agent_v1_AgentMessage__Output, _hactl_agent_v1_ControlMessage>;
  
  Enroll: grpc.handleUnaryCall<_hactl_agent_v1_EnrollRequest__Output, _hactl_agent_v1_EnrollResponse>;
  
  ReleaseLease: grpc.handleUnaryCall<_hactl_agent_v1_ReleaseLeaseRequest__Output, _hactl_agent_v1_ReleaseLeaseResponse>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  AcquireLease: MethodDefinition<_hactl_agent_v1_AcquireLeaseRequest, _hactl_agent_v1_AcquireLeaseResponse, _hactl_agent_v1_AcquireLeaseRequest__Output, _hactl_agent_v1_AcquireLeaseResponse__Output>
  Connect: MethodDefinition<_hactl_agent_v1_AgentMessage, _hactl_agent_v1_ControlMessage, _hactl_agent_v1_AgentMessage__Output, _hactl_agent_v1_ControlMessage__Output>
  Enroll: MethodDefinition<_hactl_agent_v1_EnrollRequest, _hactl_agent_v1_EnrollResponse, _hactl_agent_v1_EnrollRequest__Output, _hactl_agent_v1_EnrollResponse__Output>
  ReleaseLease: MethodDefinition<_hactl_agent_v1_ReleaseLeaseRequest, _hactl_agent_v1_ReleaseLeaseResponse, _hactl_agent_v1_ReleaseLeaseRequest__Output, _hactl_agent_v1_ReleaseLeaseResponse__Output>
}
