// Original file: proto/hactl/agent/v1/agent.proto


export interface Welcome {
  'hostId'?: (string);
  'reportIntervalMs'?: (number);
}

export interface Welcome__Output {
  'hostId': (string);
  'reportIntervalMs': (number);
}
