// Original file: proto/hactl/agent/v1/agent.proto


export interface Welcome {
  'hostId'?: (string);
  'reportIntervalMs'?: (number);
  'controlPlaneId'?: (string);
}

export interface Welcome__Output {
  'hostId': (string);
  'reportIntervalMs': (number);
  'controlPlaneId': (string);
}
