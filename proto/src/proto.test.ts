import { describe, it, expect } from 'vitest';
import { loadAgentProto } from './index.js';

describe('proto: agent.proto', () => {
  it('round-trips a desired state through the wire encoding', () => {
    const v1 = loadAgentProto().hactl.agent.v1;
    const msg = {
      desired: {
        generation: 7,
        instances: [
          {
            id: 'zk-main/zk-1',
            cluster: 'zk-main',
            kind: 'zookeeper',
            role: 'member',
            runState: 'running',
            inputsJson: '{"myid":1}',
          },
        ],
      },
    };
    const type = v1.ControlMessage as unknown as { type: { field: unknown[] } };
    expect(type.type.field.length).toBeGreaterThan(0);
    // the service exposes the four RPCs the architecture names
    const svc = v1.AgentService.service;
    expect(Object.keys(svc).sort()).toEqual(['AcquireLease', 'Connect', 'Enroll', 'ReleaseLease']);
    const connect = svc.Connect;
    const bytes = connect.responseSerialize(msg);
    const back = connect.responseDeserialize(bytes);
    expect(back.body).toBe('desired');
    expect(back.desired?.generation).toBe(7);
    expect(back.desired?.instances[0]?.inputsJson).toBe('{"myid":1}');
  });

  it('rejects garbage bytes with an error instead of crashing', () => {
    const connect = loadAgentProto().hactl.agent.v1.AgentService.service.Connect;
    expect(() => connect.requestDeserialize(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
  });
});
