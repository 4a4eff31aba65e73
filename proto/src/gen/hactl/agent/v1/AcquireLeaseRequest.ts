// Original file: proto/hactl/agent/v1/agent.proto


export interface AcquireLeaseRequest {
  'host'?: (string);
  'instanceId'?: (string);
  'reason'?: (string);
}

export interface AcquireLeaseRequest__Output {
  'host': (string);
  'instanceId': (string);
  'reason': (string);
}
