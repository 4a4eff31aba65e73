import { describe, expect, it } from 'vitest';
import { parseStatusAnswer, type ProcessAnswer, type StatusAnswer } from './status-answer.js';

const zk1: ProcessAnswer = {
  instance: 'zk/zk-1',
  kind: 'zookeeper',
  runState: 'running',
  state: 'running',
  pid: 4242,
  startedAt: 1_800_000_000_000,
  restarts: 1,
  adopted: true,
  reason: '',
};

describe('parseStatusAnswer', () => {
  it("the agent's answer, as it writes it → its processes", () => {
    const answer: StatusAnswer = { processes: [zk1] };
    expect(parseStatusAnswer(JSON.stringify(answer))).toEqual([zk1]);
    expect(parseStatusAnswer('{"processes":[]}')).toEqual([]);
  });

  it.each([
    ['not JSON', 'agent: unknown query'],
    ['no process list', '{"processes":{}}'],
    ['a field missing', JSON.stringify({ processes: [{ ...zk1, reason: undefined }] })],
    ['a field of another type', JSON.stringify({ processes: [{ ...zk1, pid: '4242' }] })],
    ['a null entry', '{"processes":[null]}'],
  ])('%s → undefined', (_, text) => {
    expect(parseStatusAnswer(text)).toBeUndefined();
  });
});
