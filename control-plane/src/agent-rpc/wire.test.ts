import { describe, it, expect } from 'vitest';
import { toWireDesired } from './service.js';

const instance = { id: 'zk/zk-1', cluster: 'zk', kind: 'zookeeper', role: 'member', runState: 'running' };
const inputs = { myid: 1, address: '127.0.0.51', settings: { tickTime: 2000, note: 'a "quoted" \\ value' } };

describe('stored desired state → wire message', () => {
  it('inputs stored as an object → encoded once as JSON text', () => {
    const msg = toWireDesired(7, JSON.stringify({ instances: [{ ...instance, inputs }] }));
    expect(msg.desired).toEqual({
      generation: 7,
      instances: [{ ...instance, inputsJson: JSON.stringify(inputs) }],
    });
  });
  it('the state it was made from, just planned → the same message, nothing parsed', () => {
    const state = { instances: [{ ...instance, runState: 'running' as const, inputs }] };
    const json = JSON.stringify(state);
    expect(toWireDesired(7, '(not parsed)', state)).toEqual(toWireDesired(7, json));
  });
  it('an empty host → generation and no instances', () => {
    expect(toWireDesired(1, '{"instances":[]}').desired).toEqual({ generation: 1, instances: [] });
  });
});
