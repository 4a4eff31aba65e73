import { describe, it, expect } from 'vitest';
import { describeTopicsOnBroker, findTopicsOnBroker } from './replicas.js';

const part = (partitionId: number, replicas: number[]) => ({
  partitionId,
  leader: replicas[0]!,
  replicas,
  isr: replicas,
});

describe('kafka: topics with replicas on a broker (removal check)', () => {
  const topics = [
    { name: 'orders', partitions: [part(0, [1, 2]), part(1, [2, 3]), part(2, [3, 1])] },
    { name: '__consumer_offsets', partitions: [part(0, [2])] },
    { name: 'elsewhere', partitions: [part(0, [1, 3])] },
  ];
  it('broker 2 holds replicas of two topics → listed by name with partition counts', () => {
    const held = findTopicsOnBroker(topics, 2);
    expect(held).toEqual([
      { topic: '__consumer_offsets', partitions: 1 },
      { topic: 'orders', partitions: 2 },
    ]);
    expect(describeTopicsOnBroker(held)).toBe('__consumer_offsets (1 partition), orders (2 partitions)');
  });
  it('a broker no partition names (a new or drained one) → empty', () => {
    expect(findTopicsOnBroker(topics, 4)).toEqual([]);
  });
});
