// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ExecExit {
  'id'?: (string);
  'hasExitCode'?: (boolean);
  'exitCode'?: (number);
  'signal'?: (string);
  'timedOut'?: (boolean);
  'capped'?: (boolean);
  'cancelled'?: (boolean);
  'error'?: (string);
  'outputBytes'?: (number | string | Long);
  'durationMs'?: (number | string | Long);
}

export interface ExecExit__Output {
  'id': (string);
  'hasExitCode': (boolean);
  'exitCode': (number);
  'signal': (string);
  'timedOut': (boolean);
  'capped': (boolean);
  'cancelled': (boolean);
  'error': (string);
  'outputBytes': (number);
  'durationMs': (number);
}
