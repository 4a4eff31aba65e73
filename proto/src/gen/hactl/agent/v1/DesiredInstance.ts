// Original file: proto/hactl/agent/v1/agent.proto


export interface DesiredInstance {
  'id'?: (string);
  'cluster'?: (string);
  'kind'?: (string);
  'role'?: (string);
  'runState'?: (string);
  'inputsJson'?: (string);
}

export interface DesiredInstance__Output {
  'id': (string);
  'cluster': (string);
  'kind': (string);
  'role': (string);
  'runState': (string);
  'inputsJson': (string);
}
