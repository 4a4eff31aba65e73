import { describe, it, expect } from 'vitest';
import { classifyKafkaChange } from './change.js';
import type { KafkaInputs } from './inputs.js';

/** A broker's inputs apart from config (only their equality matters here). */
const base = { cluster: 'k', mode: 'zookeeper', id: 1, roles: ['broker'], port: 9092 } as unknown as Omit<
  KafkaInputs,
  'config'
>;
const withConfig = (config: Record<string, string>): KafkaInputs => ({ ...base, config }) as KafkaInputs;

describe('kafka: what a change of a running broker’s inputs takes', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    [
      'the same settings in another key order (the planner puts its defaults first) → reload',
      { 'offsets.topic.replication.factor': '1', 'default.replication.factor': '1' },
      { 'default.replication.factor': '1', 'offsets.topic.replication.factor': '1' },
      'reload',
    ],
    [
      'a third broker drops the transaction-log defaults of a two-broker cluster → reload',
      {
        'transaction.state.log.replication.factor': '2',
        'transaction.state.log.min.isr': '2',
        'num.partitions': '3',
      },
      { 'num.partitions': '3' },
      'reload',
    ],
    ['a real setting changes → restart', { 'num.partitions': '3' }, { 'num.partitions': '6' }, 'restart'],
  ])('%s', (_s, a, b, expected) => {
    expect(classifyKafkaChange(withConfig(a), withConfig(b))).toBe(expected);
  });

  it('anything outside config → restart', () => {
    expect(classifyKafkaChange(withConfig({}), { ...withConfig({}), port: 9093 })).toBe('restart');
  });
});
