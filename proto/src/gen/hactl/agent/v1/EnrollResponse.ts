// Original file: proto/hactl/agent/v1/agent.proto


export interface EnrollResponse {
  'certificatePem'?: (Buffer | Uint8Array | string);
  'caPem'?: (Buffer | Uint8Array | string);
}

export interface EnrollResponse__Output {
  'certificatePem': (Buffer);
  'caPem': (Buffer);
}
