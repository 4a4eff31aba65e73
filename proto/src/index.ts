import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/agent.js';

export type {
  AgentServiceClient,
  AgentServiceHandlers,
  AgentServiceDefinition,
} from './gen/hactl/agent/v1/AgentService.js';
export type { AgentMessage, AgentMessage__Output } from './gen/hactl/agent/v1/AgentMessage.js';
export type { ControlMessage, ControlMessage__Output } from './gen/hactl/agent/v1/ControlMessage.js';
export type { Hello, Hello__Output } from './gen/hactl/agent/v1/Hello.js';
export type { HostFacts, HostFacts__Output } from './gen/hactl/agent/v1/HostFacts.js';
export type { StatusReport, StatusReport__Output } from './gen/hactl/agent/v1/StatusReport.js';
export type { InstanceStatus, InstanceStatus__Output } from './gen/hactl/agent/v1/InstanceStatus.js';
export type { ExitFailure, ExitFailure__Output } from './gen/hactl/agent/v1/ExitFailure.js';
export type { DesiredState, DesiredState__Output } from './gen/hactl/agent/v1/DesiredState.js';
export type { DesiredInstance, DesiredInstance__Output } from './gen/hactl/agent/v1/DesiredInstance.js';
export type { Welcome, Welcome__Output } from './gen/hactl/agent/v1/Welcome.js';
export type { Command, Command__Output } from './gen/hactl/agent/v1/Command.js';
export type { CommandResult, CommandResult__Output } from './gen/hactl/agent/v1/CommandResult.js';
export type { ExecStart, ExecStart__Output } from './gen/hactl/agent/v1/ExecStart.js';
export type { LogFollow, LogFollow__Output } from './gen/hactl/agent/v1/LogFollow.js';
export type { ExecCredit, ExecCredit__Output } from './gen/hactl/agent/v1/ExecCredit.js';
export type { ExecCancel, ExecCancel__Output } from './gen/hactl/agent/v1/ExecCancel.js';
export type { ExecOutput, ExecOutput__Output } from './gen/hactl/agent/v1/ExecOutput.js';
export type { ExecExit, ExecExit__Output } from './gen/hactl/agent/v1/ExecExit.js';
export type { AcquireLeaseRequest__Output } from './gen/hactl/agent/v1/AcquireLeaseRequest.js';
export type {
  AcquireLeaseResponse,
  AcquireLeaseResponse__Output,
} from './gen/hactl/agent/v1/AcquireLeaseResponse.js';
export type { ReleaseLeaseRequest__Output } from './gen/hactl/agent/v1/ReleaseLeaseRequest.js';
export type { ReleaseLeaseResponse } from './gen/hactl/agent/v1/ReleaseLeaseResponse.js';
export type { EnrollRequest__Output } from './gen/hactl/agent/v1/EnrollRequest.js';
export type { EnrollResponse, EnrollResponse__Output } from './gen/hactl/agent/v1/EnrollResponse.js';

/** Directory holding `hactl/agent/v1/agent.proto`. */
export const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The loader options the generated types were made with (see scripts/gen.mjs); keep them in step. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

let cached: ProtoGrpcType | undefined;

/** Loads agent.proto once and returns the typed package object. */
export function loadAgentProto(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.loadSync('hactl/agent/v1/agent.proto', LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}

/** Service definition for `server.addService`. */
export function agentServiceDefinition() {
  return loadAgentProto().hactl.agent.v1.AgentService.service;
}

/** Client constructor for AgentService. */
export function agentServiceClient() {
  return loadAgentProto().hactl.agent.v1.AgentService;
}

/** Largest message either side accepts; desired states of a big host stay far below it. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export * from './desired.js';
