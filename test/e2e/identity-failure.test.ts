import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, REPO_ROOT, alive, type ClusterStatusBody } from '../src/lab/fleet.js';
import { LAB_JVM_FLAGS, distHome } from '../src/lab/dist.js';
import { waitFor } from '../src/lab/wait.js';

// Lab slice: 127.0.22.0/24. Debian's ZooKeeper on id1 (.1), a one-node KRaft Kafka 3.9 on id2 (.2).
// Issue 10: start-up failures carry the exit and the end of the service's own log; identity changes
// of a formed cluster are refused; a deleted and re-created KRaft cluster is not stranded.
const HOSTS = [
  ['id1', '127.0.22.1'],
  ['id2', '127.0.22.2'],
] as const;
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

interface Failure {
  exitCode: number | null;
  signal: string | null;
  exitedAt: string;
  logFile: string;
  logTail: string[];
}
const failureOf = (c: ClusterStatusBody) =>
  (c.status.members[0] as { failure?: Failure } | undefined)?.failure;

describe(
  'e2e: start-up failures are visible; identity changes of a formed cluster are refused',
  { timeout: 300_000 },
  () => {
    let lab: Lab;
    let logDir: string;
    const hactl = (...argv: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        execFile(
          path.join(REPO_ROOT, 'bin/hactl'),
          argv,
          { env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1' }, timeout: 60_000 },
          (err, out, errOut) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out, err: errOut }),
        );
      });
    const kraft = (id: number) => ({
      kind: 'kafka',
      distribution: { home: distHome('kafka') },
      mode: 'kraft',
      brokers: [{ host: 'id2', id, roles: ['broker', 'controller'], logDirs: [logDir] }],
      jvm: { heap: '256m', flags: [...LAB_JVM_FLAGS] },
    });
    /** Deletes kafka-id and waits for its broker to exit (the re-created one binds the same ports). */
    const deleteAndWait = async () => {
      const pid = (await lab.cluster('kafka-id')).status.members[0]!.pid;
      expect((await hactl('delete', 'cluster', 'kafka-id', '--yes')).code).toBe(0);
      await waitFor('the broker to exit', () => (alive(pid) ? undefined : true), { timeoutMs: 60_000 });
    };
    const applyFile = async (name: string, spec: object) => {
      const file = path.join(lab.dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ name, ...spec }));
      return hactl('apply', '-f', file);
    };

    beforeAll(async () => {
      lab = await Lab.create('identity');
      logDir = path.join(lab.dir, 'kafka-data');
      await lab.startControlPlane();
      for (const [name, address] of HOSTS) await lab.startAgent(name, address);
      await lab.waitForHosts(HOSTS.map(([n]) => n));
    });
    afterAll(async () => {
      await lab?.destroy();
    });

    it('a ZooKeeper member refusing a bad setting at start → exit code 2 and the end of its log, over REST and in describe', async () => {
      // ZooKeeper parses peerType itself and exits on anything but participant/observer
      // (QuorumPeerConfig: "Unrecognised peertype"; ExitCode.INVALID_CONFIG = 2).
      const r = await applyFile('zk-bad', {
        kind: 'zookeeper',
        distribution: { home: ZK_HOME },
        settings: { peerType: 'banana' },
        jvm: { heap: '64m', flags: [...LAB_JVM_FLAGS] },
        members: [{ host: 'id1', id: 1, adminPort: 0 }],
      });
      expect(r.code, r.err).toBe(0);
      const c = await waitFor(
        'the failed start and its log to be reported',
        async () => {
          const x = await lab.cluster('zk-bad');
          return failureOf(x)?.logTail.length ? x : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const f = failureOf(c)!;
      expect(f.exitCode).toBe(2);
      expect(f.signal).toBeNull();
      expect(f.logTail.length).toBeLessThanOrEqual(20);
      expect(Buffer.byteLength(f.logTail.join('\n'))).toBeLessThanOrEqual(4096);
      expect(f.logTail.join('\n')).toMatch(
        /Unrecognised peertype: banana|Invalid config, exiting abnormally/,
      );
      const d = await hactl('describe', 'cluster', 'zk-bad');
      console.log(d.out);
      expect(d.out).toContain('Failures:');
      expect(d.out).toContain(`id1 (zk-bad/zk-1): exit code 2 at `);
      expect(d.out).toMatch(/Unrecognised peertype: banana|Invalid config, exiting abnormally/);
      expect((await hactl('delete', 'cluster', 'zk-bad', '--yes')).code).toBe(0);
    });

    it('kafka KRaft: a formed cluster refuses a node id change over its log dirs; delete and re-create reuses the cluster id; another id over the dirs shows why it cannot start', async () => {
      expect((await applyFile('kafka-id', kraft(1))).code).toBe(0);
      await lab.waitForHealth('kafka-id', 'healthy', { timeoutMs: 180_000 });

      // Formed once the agent reported the broker running (learned by the control plane's tick).
      const refused = await waitFor(
        'the id change to be refused',
        async () => {
          const r = await applyFile('kafka-id', kraft(7));
          return r.code !== 0 ? r : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('has formed');
      expect(refused.err).toContain('brokers[0].id');
      expect(refused.err).toContain('node.id=1');
      expect((await lab.cluster('kafka-id')).revision).toBe(1);

      // Delete and re-create under the same name: the log dir stays formatted with the old cluster id,
      // and the new cluster is planned with it, so the node starts over its data.
      await deleteAndWait();
      expect((await applyFile('kafka-id', kraft(1))).code).toBe(0);
      await lab.waitForHealth('kafka-id', 'healthy', { timeoutMs: 180_000 });

      // Re-created with another id over the same dir: not formed (a new cluster), so accepted, and
      // Kafka's storage format refuses the dir; the member says so instead of "stopped".
      await deleteAndWait();
      const meta = fs.readFileSync(path.join(logDir, 'meta.properties'), 'utf8');
      expect(meta).toContain('node.id=1');
      expect((await applyFile('kafka-id', kraft(7))).code).toBe(0);
      const c = await waitFor(
        'the failed start to be reported',
        async () => {
          const x = await lab.cluster('kafka-id');
          return failureOf(x) ? x : undefined;
        },
        { timeoutMs: 120_000 },
      );
      const m = c.status.members[0]!;
      expect(m.process).toBe('stopped');
      expect(String(m.detail)).toContain(
        'start failed: pre-start kafka-storage.sh format exited with code 1',
      );
      expect(failureOf(c)!.exitCode).toBe(1);
      expect(failureOf(c)!.logTail.join('\n')).toContain("Stored node id 1 doesn't match previous node id 7");
      const d = await hactl('describe', 'cluster', 'kafka-id');
      console.log(d.out);
      expect(d.out).toContain('exit code 1');
      expect(d.out).toContain("Stored node id 1 doesn't match previous node id 7");
    });
  },
);
