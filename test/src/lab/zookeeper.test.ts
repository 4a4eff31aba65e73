import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { startZkEnsemble, type ZkEnsemble } from './zookeeper.js';
import { fourLetter, zkMode } from './four-letter.js';
import { waitFor } from './wait.js';

// Lab slice 127.0.9.0/24.
describe('lab: real ZooKeeper ensemble', () => {
  let zk: ZkEnsemble;
  beforeAll(async () => {
    zk = await startZkEnsemble(['127.0.9.1', '127.0.9.2', '127.0.9.3']);
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('forms with exactly one leader and answers mntr', async () => {
    const modes = await Promise.all(zk.addresses.map((a) => zkMode(a)));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    const leader = zk.addresses[modes.indexOf('leader')]!;
    const mntr = await waitFor('2 synced followers', async () => {
      const out = await fourLetter(leader, 2181, 'mntr');
      return /zk_synced_followers\t2/.test(out) ? out : undefined;
    });
    expect(mntr).toMatch(/^zk_server_state\tleader$/m);
  });
});
