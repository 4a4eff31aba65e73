// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface AcquireLeaseResponse {
  'granted'?: (boolean);
  'leaseId'?: (string);
  'expiresAtMs'?: (number | string | Long);
  'reason'?: (string);
  'retryAfterMs'?: (number);
  'ttlMs'?: (number);
}

export interface AcquireLeaseResponse__Output {
  'granted': (boolean);
  'leaseId': (string);
  'expiresAtMs': (number);
  'reason': (string);
  'retryAfterMs': (number);
  'ttlMs': (number);
}
