// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface LogFollow {
  'instanceId'?: (string);
  'file'?: (string);
  'tailLines'?: (number);
  'sinceMs'?: (number | string | Long);
}

export interface LogFollow__Output {
  'instanceId': (string);
  'file': (string);
  'tailLines': (number);
  'sinceMs': (number);
}
