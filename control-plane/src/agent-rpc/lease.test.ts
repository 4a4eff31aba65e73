import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { AcquireLeaseResponse__Output } from '@hactl/proto';
import { nullLogger, PROBE_QUERY } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../server.js';
import { testConfig } from '../config.js';
import { defaultRolloutOptions } from '../rollout/engine.js';
import { connectAgent, hello, soloZkStatus, until, type TestAgentConnection } from './testing.js';

/** Not the default (180 s): the grant must state the configured TTL, not a constant. */
const LEASE_TTL_MS = 45_000;

let dir: string;
let cp: RunningControlPlane;
/** The control plane's clock: moved by the tests, so a renewal's new expiry is exact. */
let now = 1_800_000_000_000;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-rpc-lease-'));
  cp = await startControlPlane({ ...testConfig(dir), leaseTtlMs: LEASE_TTL_MS }, nullLogger, () => now);
});
afterAll(async () => {
  await cp?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An AcquireLeaseRequest as the agent fills it in (agent sync/connection.ts). */
interface AcquireLeaseRequest {
  host: string;
  instanceId: string;
  reason: string;
}

/** AcquireLease over the wire, as the agent asks it and renews it (agent sync/lease-hold.ts). */
function acquireLease(
  a: TestAgentConnection,
  req: AcquireLeaseRequest,
): Promise<AcquireLeaseResponse__Output> {
  const client = a.client as unknown as {
    AcquireLease(
      r: AcquireLeaseRequest,
      cb: (e: grpc.ServiceError | null, res?: AcquireLeaseResponse__Output) => void,
    ): void;
  };
  return new Promise((resolve, reject) =>
    client.AcquireLease(req, (e, res) => (e ? reject(e) : resolve(res!))),
  );
}

describe('gRPC AcquireLease on localhost:0', () => {
  it("zookeeper: a grant states the control plane's lease TTL (ttl_ms); the holder asking again renews it, the expiry moving with the clock; a refusal states none", async () => {
    const a = connectAgent(cp.grpcPort);
    a.stream.write(hello('h1', '127.0.0.51'));
    await until(() => (a.received.length >= 2 ? true : undefined));
    cp.fleet.applyCluster(
      'solo',
      { kind: 'zookeeper', distribution: { home: '/zk' }, members: [{ host: 'h1', id: 1 }] },
      { author: 't', message: '' },
    );
    const desired = await until(() =>
      a.received.find((m) => m.body === 'desired' && m.desired!.instances.some((i) => i.id === 'solo/zk-1')),
    );
    // The member runs and serves: the restart gates hold.
    a.stream.write(
      soloZkStatus(desired.desired!.generation, {
        sentAtMs: now,
        probeAtMs: now,
        probeJson: JSON.stringify({ ok: true, serving: true, mode: 'standalone' }),
      }),
    );
    await until(() => (cp.fleet.clusterStatus('solo').status.health === 'healthy' ? true : undefined));
    const r = cp.rollouts.start('solo', defaultRolloutOptions('restart'));
    const ask = { host: 'h1', instanceId: 'solo/zk-1', reason: `command ${r.id}.0` };

    const granted = await acquireLease(a, ask);
    expect(granted).toMatchObject({ granted: true, ttlMs: LEASE_TTL_MS, expiresAtMs: now + LEASE_TTL_MS });

    now += 10_000;
    const renewed = await acquireLease(a, ask);
    expect(renewed).toMatchObject({
      granted: true,
      leaseId: granted.leaseId,
      reason: 'lease renewed',
      ttlMs: LEASE_TTL_MS,
      expiresAtMs: granted.expiresAtMs + 10_000,
    });

    // A request under a command the rollout does not ask for: refused, with no TTL to renew within.
    const refused = await acquireLease(a, { ...ask, reason: `command ${r.id}.0.2` });
    expect(refused).toMatchObject({ granted: false, ttlMs: 0, expiresAtMs: 0 });
    expect(refused.reason).toMatch(/^abandon: /);
    a.stream.end();
    a.client.close();
  });

  it('zookeeper: refused on a leader report older than the request → every member asked to probe; their reports arrive before the answers, and the lease is granted', async () => {
    const hosts = ['r1', 'r2', 'r3'];
    const agents = hosts.map((h, i) => {
      const a = connectAgent(cp.grpcPort);
      a.stream.write(hello(h, `127.0.0.6${i + 1}`, [PROBE_QUERY]));
      return a;
    });
    await until(() => (agents.every((a) => a.received.length >= 2) ? true : undefined));
    cp.fleet.applyCluster(
      'ens',
      {
        kind: 'zookeeper',
        distribution: { home: '/zk' },
        members: hosts.map((host, i) => ({ host, id: i + 1 })),
      },
      { author: 't', message: '' },
    );
    const generations = await Promise.all(
      agents.map(async (a, i) => {
        const m = await until(() =>
          a.received.find(
            (m) => m.body === 'desired' && m.desired!.instances.some((x) => x.id === `ens/zk-${i + 1}`),
          ),
        );
        return m.desired!.generation;
      }),
    );
    /** Member i's report: zk-2 leads with `synced` followers in sync, the others follow. */
    const report = (i: number, synced: number) => {
      const probe =
        i === 1
          ? { ok: true, serving: true, mode: 'leader', syncedFollowers: synced }
          : { ok: true, serving: true, mode: 'follower' };
      agents[i]!.stream.write({
        status: {
          appliedGeneration: generations[i]!,
          applyError: '',
          sentAtMs: now,
          instances: [
            {
              id: `ens/zk-${i + 1}`,
              cluster: 'ens',
              kind: 'zookeeper',
              process: 'running',
              pid: 40 + i,
              probeAtMs: now,
              probeJson: JSON.stringify(probe),
            },
          ],
        },
      });
    };
    [0, 1, 2].forEach((i) => report(i, 2));
    await until(() => (cp.fleet.clusterStatus('ens').status.health === 'healthy' ? true : undefined));
    const r = cp.rollouts.start('ens', defaultRolloutOptions('restart'));
    // The first step's restart command: the member that will ask for its lease.
    const [agent, restart] = await until(() => {
      for (const a of agents) {
        const m = a.received.find((m) => m.body === 'command' && m.command!.action === 'restart');
        if (m) return [a, m.command!] as const;
      }
      return undefined;
    });
    // The leader's view from while a follower was down, half a second before the request.
    report(1, 1);
    await until(() => (cp.fleet.clusterStatus('ens').status.health === 'degraded' ? true : undefined));
    now += 500;

    // Each agent answers `probe` as the agent does (sync/reporter.ts probeNow): report, then result.
    const probed: string[] = [];
    const answering = agents.map((a, i) => {
      const seen = new Set<string>();
      const t = setInterval(() => {
        for (const m of a.received)
          if (m.body === 'command' && m.command!.action === 'probe' && !seen.has(m.command!.id)) {
            seen.add(m.command!.id);
            probed.push(m.command!.instanceId);
            report(i, 2);
            a.stream.write({ commandResult: { id: m.command!.id, ok: true, output: '{}', error: '' } });
          }
      }, 5);
      return t;
    });
    const d = await acquireLease(agent, {
      host: hosts[agents.indexOf(agent)]!,
      instanceId: restart.instanceId,
      reason: `command ${restart.id}`,
    });
    answering.forEach(clearInterval);
    expect(d).toMatchObject({ granted: true, reason: 'all gates hold' });
    expect(probed.sort()).toEqual(['ens/zk-1', 'ens/zk-2', 'ens/zk-3']);
    cp.rollouts.abort(r.id);
    for (const a of agents) {
      a.stream.end();
      a.client.close();
    }
  });
});
