import { describe, expect, it } from 'vitest';
import { desiredFromWire, desiredToWire } from './desired.js';

const instance = {
  id: 'zk/zk-1',
  cluster: 'zk',
  kind: 'zookeeper',
  role: 'member',
  runState: 'running',
  inputs: { myid: 1, config: { tickTime: '2000', note: 'a "quoted" \\ value' } },
};

describe('desired state at the proto edge', () => {
  it('encodes inputs as JSON text and decodes them back to the same instance', () => {
    const wire = desiredToWire(7, [instance]);
    expect(wire.instances?.[0]?.inputsJson).toBe(JSON.stringify(instance.inputs));
    const back = desiredFromWire(
      {
        generation: 7,
        instances: wire.instances!.map((i) => ({ ...i, inputsJson: i.inputsJson! })),
      } as never,
      (json) => JSON.parse(json) as unknown,
    );
    expect(back).toEqual({ generation: 7, instances: [instance] });
  });

  it('hands each instance its index and id for the error paths of the inputs reader', () => {
    const seen: [number, string][] = [];
    desiredFromWire(
      {
        generation: 1,
        instances: [
          { ...instance, inputsJson: '{}' },
          { ...instance, id: 'zk/zk-2', inputsJson: '{}' },
        ],
      } as never,
      (_json, idx, id) => seen.push([idx, id]),
    );
    expect(seen).toEqual([
      [0, 'zk/zk-1'],
      [1, 'zk/zk-2'],
    ]);
  });
});
