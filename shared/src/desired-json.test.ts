import { describe, it, expect } from 'vitest';
import { hostDesiredJson, inputsJson } from './desired-json.js';
import type { HostDesiredState } from './domain.js';

const instance = {
  id: 'zk/zk-1',
  cluster: 'zk',
  kind: 'zookeeper',
  role: 'member',
  runState: 'running' as const,
  inputs: {
    myid: 1,
    config: { tickTime: '2000', note: 'a "quoted" \\ value ü \u2028' },
    list: [1, 'x', null],
  },
};

describe('desired state JSON text', () => {
  it.each<[string, HostDesiredState]>([
    ['no instances', { instances: [] }],
    ['one instance', { instances: [instance] }],
    [
      'several, one with primitive inputs',
      { instances: [instance, { ...instance, id: 'zk/zk-2', inputs: 7 }] },
    ],
    ['inputs missing', { instances: [{ ...instance, inputs: undefined }] }],
    ['a field missing', { instances: [{ ...instance, role: undefined as unknown as string }] }],
  ])('%s: byte for byte JSON.stringify', (_scenario, state) => {
    expect(hostDesiredJson(state)).toBe(JSON.stringify(state));
  });

  it('inputs text is made once per inputs object', () => {
    const inputs = { a: 1 };
    const first = inputsJson(inputs);
    expect(first).toBe('{"a":1}');
    expect(inputsJson(inputs)).toBe(first);
    expect(inputsJson({ a: 1 })).toBe(first);
    expect(inputsJson(undefined)).toBe(JSON.stringify(undefined));
    expect(inputsJson('x')).toBe('"x"');
  });
});
