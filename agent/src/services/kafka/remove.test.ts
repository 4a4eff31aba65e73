import { describe, it, expect } from 'vitest';
import { beforeKafkaRemove } from './remove.js';
import { zkInputs } from './test-inputs.js';
import type { KafkaAdminConnect } from './probe.js';

const part = (replicas: number[]) => ({ partitionId: 0, leader: replicas[0]!, replicas, isr: replicas });

/** An admin whose Metadata lists `keep` on brokers 1 and 2; records that it was disconnected. */
function fakeAdmin(): { connect: KafkaAdminConnect; closed: () => boolean } {
  let closed = false;
  return {
    connect: () =>
      Promise.resolve({
        describeCluster: () => Promise.reject(new Error('not used')),
        fetchTopicMetadata: () => Promise.resolve({ topics: [{ name: 'keep', partitions: [part([1, 2])] }] }),
        alive: true,
        disconnect: () => {
          closed = true;
          return Promise.resolve();
        },
      }),
    closed: () => closed,
  };
}

describe('kafka: before a removed broker is stopped', () => {
  it('a broker with replicas → refused, naming the topics and how to force', async () => {
    const admin = fakeAdmin();
    await expect(
      beforeKafkaRemove({ ...zkInputs, id: 2 }, { force: false, timeoutMs: 1000 }, admin.connect),
    ).rejects.toThrow(
      /refused: broker 2 still holds partition replicas of 1 topic\(s\): keep \(1 partition\).*--force-removal/,
    );
    expect(admin.closed()).toBe(true);
  });
  it('forced → allowed, saying what it left behind', async () => {
    await expect(
      beforeKafkaRemove({ ...zkInputs, id: 2 }, { force: true, timeoutMs: 1000 }, fakeAdmin().connect),
    ).resolves.toBe('forced: broker 2 still held replicas of keep (1 partition)');
  });
  it('an empty broker → allowed', async () => {
    await expect(
      beforeKafkaRemove({ ...zkInputs, id: 3 }, { force: false, timeoutMs: 1000 }, fakeAdmin().connect),
    ).resolves.toBe('broker 3 holds no partition replicas');
  });
});

describe('kafka: a controller-only KRaft node', () => {
  it('holds no replicas → allowed without asking the cluster', async () => {
    const inputs = { ...zkInputs, port: undefined };
    delete (inputs as { port?: number }).port;
    await expect(
      beforeKafkaRemove(inputs, { force: false, timeoutMs: 1000 }, () =>
        Promise.reject(new Error('not asked')),
      ),
    ).resolves.toBe('controller-only node: holds no partition replicas');
  });
});
