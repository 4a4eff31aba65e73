import type { ChangeClass } from '../types.js';
import type { KafkaInputs } from './inputs.js';

/**
 * Broker settings that matter only when Kafka creates its internal topics (`__consumer_offsets`,
 * `__transaction_state`, on first use): a running broker need not restart for them. hactl's
 * defaults for them follow the broker count below three (kafka/plan.ts), so without this a broker
 * added to a one- or two-broker cluster would restart every other broker.
 */
const INTERNAL_TOPIC_KEYS = [
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
];

/** `config` with keys sorted and the internal-topic keys left out (what a running broker depends on). */
function runningConfig(config: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(config)
    .filter(([k]) => !INTERNAL_TOPIC_KEYS.includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * What moving a running broker from `before` to `after` inputs takes: `reload` (files rewritten,
 * no restart) when they differ only in the order of `config` keys (the planner puts its defaults
 * first; the rendered server.properties is sorted, so the file is the same) or in the
 * internal-topic settings above; otherwise `restart`. Pure.
 */
export function classifyKafkaChange(before: KafkaInputs, after: KafkaInputs): ChangeClass {
  const norm = (i: KafkaInputs) => JSON.stringify({ ...i, config: runningConfig(i.config) });
  return norm(before) === norm(after) ? 'reload' : 'restart';
}
