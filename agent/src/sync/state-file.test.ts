import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState__Output } from '@hactl/proto';
import { readAppliedState, SavedStateError, writeAppliedState } from './state-file.js';
import { HactlError } from '@hactl/shared';
import { parseWireDesired } from './desired.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-state-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const inputs = (confDir = '/d/zk/1/conf') => ({
  cluster: 'zk',
  myid: 1,
  address: '127.0.0.1',
  clientPort: 2181,
  peerPort: 2888,
  electionPort: 3888,
  adminPort: 0,
  confDir,
  dataDir: '/d/zk/1/data',
  logDir: '/d/zk/1/logs',
  servers: [],
  config: {},
  jvmFlags: [],
  home: '/usr/share/zookeeper',
});
const instance = (over: Record<string, unknown> = {}) => ({
  id: 'zk/zk-1',
  cluster: 'zk',
  kind: 'zookeeper',
  role: 'member',
  runState: 'running',
  inputs: inputs(),
  ...over,
});
let n = 0;
const stateFile = (content: string): string => {
  const f = path.join(dir, `applied-state-${++n}.json`);
  fs.writeFileSync(f, content);
  return f;
};

describe('the saved applied state is checked like wire input (issue 16 #7)', () => {
  it('a state the agent wrote reads back as it was', async () => {
    const f = path.join(dir, 'roundtrip.json');
    await writeAppliedState(f, { generation: 4, instances: [instance() as never] });
    expect(await readAppliedState(f)).toMatchObject({
      generation: 4,
      instances: [{ id: 'zk/zk-1', inputs: { confDir: '/d/zk/1/conf' } }],
    });
  });

  it('no file → nothing saved', async () => {
    expect(await readAppliedState(path.join(dir, 'missing.json'))).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a path with ".." in the inputs (tampered, well-formed)',
      { generation: 3, instances: [instance({ inputs: inputs('/d/zk/1/conf/../../../../etc/cron.d') })] },
      /: instances\[0\]\.inputs\.confDir: must not contain "\." or "\.\." segments$/,
    ],
    [
      'a null instance (used to log a raw TypeError)',
      { generation: 3, instances: [instance(), null] },
      /: instances\[1\]: must be an object, got null$/,
    ],
    [
      'an instance id with ".." in it',
      { generation: 3, instances: [instance({ id: 'zk/..' })] },
      /: instances\[0\]\.id: "zk\/\.\." is not an instance id <cluster>\/<member>$/,
    ],
    [
      'an unknown kind',
      { generation: 3, instances: [instance({ kind: 'cassandra' })] },
      /: instances\[0\]\.kind: this agent cannot run instances of kind "cassandra"$/,
    ],
    [
      'a run state that is neither running nor stopped',
      { generation: 3, instances: [instance({ runState: 'exploded' })] },
      /: instances\[0\]\.runState: must be "running" or "stopped"$/,
    ],
    [
      'the same instance twice',
      { generation: 3, instances: [instance(), instance()] },
      /: instances\[1\]\.id: zk\/zk-1 appears twice$/,
    ],
    [
      'a negative generation',
      { generation: -1, instances: [] },
      /: generation: must be a non-negative integer$/,
    ],
    ['instances that are not a list', { generation: 1, instances: { a: 1 } }, /: instances: must be a list$/],
  ])('%s → refused, naming the file and the field', async (_scenario, content, message) => {
    const f = stateFile(JSON.stringify(content));
    const err = await readAppliedState(f).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SavedStateError);
    expect((err as Error).message.startsWith(`${f}: `)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"generation": 3, "instances": [', /: the saved state is not valid JSON/],
    [
      'a __proto__ key in the inputs',
      JSON.stringify({ generation: 3, instances: [instance()] }).replace(
        '"config":{}',
        '"config":{"__proto__":{"x":"1"}}',
      ),
      /: instances\[0\]\.inputs\.config\.__proto__: "__proto__" is a reserved name/,
    ],
  ])('%s → refused, naming the file', async (_scenario, text, message) => {
    const f = stateFile(text);
    await expect(readAppliedState(f)).rejects.toThrow(message);
  });
});

describe('desired state from the wire: the same checks', () => {
  const wire = (
    inputsJson: string,
    over: Partial<DesiredState__Output['instances'][number]> = {},
  ): DesiredState__Output => ({
    generation: 5,
    instances: [
      {
        id: 'zk/zk-1',
        cluster: 'zk',
        kind: 'zookeeper',
        role: 'member',
        runState: 'running',
        inputsJson,
        ...over,
      },
    ],
  });
  it.each<[string, DesiredState__Output, RegExp]>([
    ['inputs nested far too deep', wire(`{"x":${'['.repeat(2000)}${']'.repeat(2000)}}`), /nesting too deep/],
    [
      'a traversal in the inputs',
      wire(JSON.stringify(inputs('/d/../etc'))),
      /invalid render inputs at instances\[0\]/,
    ],
    [
      'a bad run state',
      wire(JSON.stringify(inputs()), { runState: 'paused' }),
      /invalid desired instance at instances\[0\]/,
    ],
  ])('%s → refused whole', (_scenario, d, message) => {
    expect(() => parseWireDesired(d)).toThrow(message);
  });
  it("a good one → parsed with the kind's schema", () => {
    expect(parseWireDesired(wire(JSON.stringify(inputs())))).toMatchObject({
      generation: 5,
      instances: [{ id: 'zk/zk-1', runState: 'running', inputs: { myid: 1 } }],
    });
  });
});

describe('one parser: a tampered saved state and the same state from the wire get the same verdict', () => {
  /** The wire form of a saved state: inputs travel as JSON strings. */
  const toWire = (state: {
    generation: number;
    instances: Record<string, unknown>[];
  }): DesiredState__Output =>
    ({
      generation: state.generation,
      instances: state.instances.map(({ inputs: i, ...rest }) => ({
        ...rest,
        inputsJson: JSON.stringify(i),
      })),
    }) as DesiredState__Output;
  const fields = (err: unknown) =>
    err instanceof HactlError
      ? err.details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')
      : String(err);

  it.each<[string, { generation: number; instances: Record<string, unknown>[] }]>([
    [
      'a ".." path in the inputs',
      { generation: 3, instances: [instance({ inputs: inputs('/d/../../etc/cron.d') })] },
    ],
    ['a ".." instance id', { generation: 3, instances: [instance({ id: 'zk/..' })] }],
    ['an unknown kind', { generation: 3, instances: [instance({ kind: 'cassandra' })] }],
    ['a bad run state', { generation: 3, instances: [instance({ runState: 'exploded' })] }],
    ['the same instance twice', { generation: 3, instances: [instance(), instance()] }],
    ['a negative generation', { generation: -1, instances: [] }],
    [
      'an unknown key in the inputs',
      { generation: 3, instances: [instance({ inputs: { ...inputs(), extra: 'x' } })] },
    ],
  ])('%s → refused by both, naming the same fields', async (_scenario, state) => {
    const saved = await readAppliedState(stateFile(JSON.stringify(state))).then(
      () => undefined,
      (e: unknown) => e,
    );
    const wire = (() => {
      try {
        parseWireDesired(toWire(state));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(saved).toBeInstanceOf(SavedStateError);
    expect(wire).toBeInstanceOf(HactlError);
    expect((saved as Error).message).toBe(`${(saved as SavedStateError).file}: ${fields(wire)}`);
  });

  it('a good state → the same result from the file and from the wire', async () => {
    const state = { generation: 7, instances: [instance()] };
    expect(await readAppliedState(stateFile(JSON.stringify(state)))).toEqual(parseWireDesired(toWire(state)));
  });
});
