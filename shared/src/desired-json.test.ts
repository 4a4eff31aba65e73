import { isDeepStrictEqual } from 'node:util';
import { describe, it, expect } from 'vitest';
import { hostDesiredJson, inputsJson, sameDesiredJson } from './desired-json.js';
import type { DesiredInstance, HostDesiredState } from './domain.js';

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
    ['the id missing', { instances: [{ ...instance, id: undefined as unknown as string }] }],
    ['every field missing', { instances: [{ inputs: 1 } as unknown as typeof instance] }],
    [
      'clusters, roles and run states alternating, some needing escapes',
      {
        instances: [
          instance,
          { ...instance, id: 'zk/zk-2', runState: 'stopped' as const },
          { ...instance, id: 'zk/zk-3' },
          { ...instance, id: 's/"n"', cluster: 's\\x', kind: 'storm', role: 'nimbus\u2028' },
          { ...instance, id: 'zk/zk-4' },
        ],
      },
    ],
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

  it('inputs text is made once per inputs object, frozen ones included', () => {
    let calls = 0;
    const counting = () => ({ toJSON: () => (calls++, { a: 1 }) });
    const open = counting();
    const frozen = Object.freeze(counting());
    for (const inputs of [open, open, frozen, frozen]) expect(inputsJson(inputs)).toBe('{"a":1}');
    expect(calls).toBe(2);
  });

  it('the kept text is invisible to JSON, spreads, keys and deep equality', () => {
    const inputs = { a: 1, b: { c: [2] } };
    inputsJson(inputs);
    expect(JSON.stringify(inputs)).toBe('{"a":1,"b":{"c":[2]}}');
    expect(Reflect.ownKeys({ ...inputs })).toEqual(['a', 'b']);
    expect(Object.keys(inputs)).toEqual(['a', 'b']);
    expect(isDeepStrictEqual(inputs, { a: 1, b: { c: [2] } })).toBe(true);
    expect(inputs).toStrictEqual({ a: 1, b: { c: [2] } });
  });

  const one = (over: Partial<DesiredInstance>): HostDesiredState => ({
    instances: [{ ...instance, ...over }],
  });
  it.each<[string, HostDesiredState, HostDesiredState]>([
    ['the same object', one({}), one({})],
    ['equal inputs in other objects', one({}), one({ inputs: JSON.parse(JSON.stringify(instance.inputs)) })],
    ['another inputs value', one({}), one({ inputs: { ...instance.inputs, myid: 2 } })],
    [
      'the same keys in another order',
      one({ inputs: { a: 1, b: 2 } as never }),
      one({ inputs: { b: 2, a: 1 } as never }),
    ],
    ['another run state', one({}), one({ runState: 'stopped' })],
    ['another id', one({}), one({ id: 'zk/zk-2' })],
    ['a field missing on one side', one({}), one({ role: undefined as unknown as string })],
    ['inputs missing on both', one({ inputs: undefined }), one({ inputs: undefined })],
    ['one instance more', one({}), { instances: [instance, { ...instance, id: 'zk/zk-2' }] }],
    ['no instances on both', { instances: [] }, { instances: [] }],
  ])('sameDesiredJson, %s: the same answer as comparing the texts', (_s, a, b) => {
    expect(sameDesiredJson(a, b)).toBe(hostDesiredJson(a) === hostDesiredJson(b));
  });
});
