// Original file: proto/hactl/agent/v1/agent.proto


export interface ExecCancel {
  'id'?: (string);
  'reason'?: (string);
}

export interface ExecCancel__Output {
  'id': (string);
  'reason': (string);
}
