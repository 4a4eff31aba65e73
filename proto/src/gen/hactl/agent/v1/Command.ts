// Original file: proto/hactl/agent/v1/agent.proto


export interface Command {
  'id'?: (string);
  'instanceId'?: (string);
  'action'?: (string);
  'args'?: (string)[];
}

export interface Command__Output {
  'id': (string);
  'instanceId': (string);
  'action': (string);
  'args': (string)[];
}
