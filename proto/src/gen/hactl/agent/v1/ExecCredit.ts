// Original file: proto/hactl/agent/v1/agent.proto


export interface ExecCredit {
  'id'?: (string);
  'bytes'?: (number);
}

export interface ExecCredit__Output {
  'id': (string);
  'bytes': (number);
}
