// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ExitFailure {
  'hasExitCode'?: (boolean);
  'exitCode'?: (number);
  'signal'?: (string);
  'exitedAtMs'?: (number | string | Long);
  'logFile'?: (string);
  'logTail'?: (string)[];
}

export interface ExitFailure__Output {
  'hasExitCode': (boolean);
  'exitCode': (number);
  'signal': (string);
  'exitedAtMs': (number);
  'logFile': (string);
  'logTail': (string)[];
}
