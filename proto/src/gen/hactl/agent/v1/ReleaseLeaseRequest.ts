// Original file: proto/hactl/agent/v1/agent.proto


export interface ReleaseLeaseRequest {
  'leaseId'?: (string);
}

export interface ReleaseLeaseRequest__Output {
  'leaseId': (string);
}
