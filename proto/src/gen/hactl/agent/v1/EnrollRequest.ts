// Original file: proto/hactl/agent/v1/agent.proto


export interface EnrollRequest {
  'token'?: (string);
  'csrPem'?: (Buffer | Uint8Array | string);
  'name'?: (string);
}

export interface EnrollRequest__Output {
  'token': (string);
  'csrPem': (Buffer);
  'name': (string);
}
