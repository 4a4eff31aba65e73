import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../src/lab/fleet.js';
import { fourLetter } from '../src/lab/four-letter.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice 23 on IPv6: one agent whose host address is ::1 (the only IPv6 loopback address, so the
// three members share it and differ by port: 231xx client, 238xx peer, 239xx election). Issue 10:
// IPv6 addresses must be bracketed in zoo.cfg's server.N lines: ZooKeeper 3.8 refuses an unbracketed
// `server.1=::1:23891:23991` ("Invalid config, exiting abnormally", exit 2; tried by hand).
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';
const ADDRESS = '::1';

describe('e2e: a ZooKeeper ensemble on an IPv6 address forms', { timeout: 240_000 }, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create('ipv6');
    await lab.startControlPlane();
    await lab.startAgent('v6', ADDRESS);
    await lab.waitForHosts(['v6']);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('three members on [::1]: bracketed server lines, one leader and two synced followers', async () => {
    const put = await lab.api('PUT', '/v1/clusters/zk-v6', {
      kind: 'zookeeper',
      distribution: { home: ZK_HOME },
      settings: { tickTime: 500, initLimit: 20, syncLimit: 10 },
      jvm: { heap: '64m', flags: [...LAB_JVM_FLAGS] },
      members: [1, 2, 3].map((id) => ({
        host: 'v6',
        id,
        clientPort: 23180 + id,
        peerPort: 23880 + id,
        electionPort: 23980 + id,
        adminPort: 0,
      })),
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const c = await lab.waitForHealth('zk-v6', 'healthy', { timeoutMs: 120_000 });
    expect(c.status.members.map((m) => m.mode).sort()).toEqual(['follower', 'follower', 'leader']);
    const cfg = fs.readFileSync(
      path.join(lab.dir, 'v6', 'data', 'zookeeper', 'zk-v6', '1', 'conf', 'zoo.cfg'),
      'utf8',
    );
    expect(cfg).toContain('server.2=[::1]:23882:23982\n');
    expect(cfg).toContain('clientPortAddress=::1\n');
    // Served on the IPv6 address itself.
    expect(await fourLetter(ADDRESS, 23181, 'srvr')).toMatch(/^Mode: (leader|follower)$/m);
  });
});
