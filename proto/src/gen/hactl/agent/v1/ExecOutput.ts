// Original file: proto/hactl/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ExecOutput {
  'id'?: (string);
  'seq'?: (number | string | Long);
  'stream'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ExecOutput__Output {
  'id': (string);
  'seq': (number);
  'stream': (string);
  'data': (Buffer);
}
