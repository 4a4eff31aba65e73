// Original file: proto/hactl/agent/v1/agent.proto


export interface CommandResult {
  'id'?: (string);
  'ok'?: (boolean);
  'output'?: (string);
  'error'?: (string);
}

export interface CommandResult__Output {
  'id': (string);
  'ok': (boolean);
  'output': (string);
  'error': (string);
}
