import * as grpc from '@grpc/grpc-js';
import type { ErrorCode } from '@hactl/shared';

/**
 * How each hactl error code travels, HTTP and gRPC side by side: the one mapping per transport
 * (style.md), kept in one table so that a new code cannot be added to one transport and forgotten
 * in the other (the Record type makes a missing code a compile error). Codes that only the agent or
 * the CLI raise map to the status they would mean if they ever reached a transport.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, { http: number; grpc: grpc.status }>> = {
  invalid_argument: { http: 400, grpc: grpc.status.INVALID_ARGUMENT },
  invalid_json: { http: 400, grpc: grpc.status.INVALID_ARGUMENT },
  invalid_input: { http: 400, grpc: grpc.status.INVALID_ARGUMENT },
  usage: { http: 400, grpc: grpc.status.INVALID_ARGUMENT },
  unauthenticated: { http: 401, grpc: grpc.status.UNAUTHENTICATED },
  permission_denied: { http: 403, grpc: grpc.status.PERMISSION_DENIED },
  not_found: { http: 404, grpc: grpc.status.NOT_FOUND },
  already_exists: { http: 409, grpc: grpc.status.ALREADY_EXISTS },
  conflict: { http: 409, grpc: grpc.status.FAILED_PRECONDITION },
  payload_too_large: { http: 413, grpc: grpc.status.RESOURCE_EXHAUSTED },
  unsupported_media_type: { http: 415, grpc: grpc.status.INVALID_ARGUMENT },
  deadline_exceeded: { http: 504, grpc: grpc.status.DEADLINE_EXCEEDED },
  unavailable: { http: 503, grpc: grpc.status.UNAVAILABLE },
  // A replica that no longer leads: the client retries, and finds the leader (issue 15).
  not_leader: { http: 503, grpc: grpc.status.UNAVAILABLE },
  // RFC 4918 §11.5: the server cannot store what it needs to complete the request (a full disk).
  insufficient_storage: { http: 507, grpc: grpc.status.RESOURCE_EXHAUSTED },
  // A validated spec the kind cannot plan: the spec's problem, like any invalid field.
  plan_failed: { http: 422, grpc: grpc.status.FAILED_PRECONDITION },
  bad_response: { http: 502, grpc: grpc.status.INTERNAL },
  file_write_failed: { http: 500, grpc: grpc.status.INTERNAL },
  stop_failed: { http: 500, grpc: grpc.status.INTERNAL },
  supervisor_disposed: { http: 500, grpc: grpc.status.INTERNAL },
  internal: { http: 500, grpc: grpc.status.INTERNAL },
};
