import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab, REPO_ROOT, alive, type AgentHandle, type ClusterStatusBody } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { LAB_JVM_FLAGS } from '../src/lab/dist.js';

// Lab slice: 127.0.15.0/24. Issue 16 ("Hardening the edges") against the real control plane, real
// agents and Debian's ZooKeeper: a standalone member on hz1, a package-only host hz2.
const HZ1 = { name: 'hz1', address: '127.0.15.1' };
const HZ2 = { name: 'hz2', address: '127.0.15.2' };
const TWIN_ADDRESS = '127.0.15.9';
const PACKAGE_SERVER = '127.0.15.100';
const ZK_HOME = process.env.ZK_HOME ?? '/usr/share/zookeeper';

const spec = (settings: Record<string, number> = {}) => ({
  name: 'zk-hard',
  kind: 'zookeeper',
  distribution: { home: ZK_HOME },
  // Short ticks keep start-up fast; a small heap and the serial GC keep the JVM light on 2 cores.
  settings: { tickTime: 500, initLimit: 20, syncLimit: 10, ...settings },
  jvm: { heap: '128m', flags: [...LAB_JVM_FLAGS] },
  members: [{ host: HZ1.name, id: 1, adminPort: 0 }],
});

interface HostBody {
  name: string;
  address: string;
  connected: boolean;
  generation: number;
  appliedGeneration: number;
  applyError: string;
}
type Hint = ClusterStatusBody & { status: { hint?: string } };

/** The agent's structured log lines (pino JSON), oldest first. */
function logLines(file: string): { msg: string; [k: string]: unknown }[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { msg: string }];
      } catch {
        return [];
      }
    });
}

describe('e2e: hardening the edges (issue 16) with a real ZooKeeper member', { timeout: 240_000 }, () => {
  let lab: Lab;
  let pid = 0;
  const host = async (name: string) =>
    (await lab.api<{ hosts: HostBody[] }>('GET', '/v1/hosts')).body.hosts.find((h) => h.name === name);
  const member = (c: ClusterStatusBody) => c.status.members[0]!;
  const agentLog = (name: string) => path.join(lab.dir, `agent-${name}.log`);
  /** Starts an agent as the lab does, with extra flags; the lab kills it (and its services) at the end. */
  const startAgentWith = (
    name: string,
    address: string,
    extra: string[],
    logName = name,
    stateDir = path.join(lab.dir, name),
  ): AgentHandle => {
    const log = fs.openSync(agentLog(logName), 'a');
    const child = spawn(
      path.join(REPO_ROOT, 'bin/hactl-agent'),
      [
        '--server',
        `${lab.grpcHost}:${lab.grpcPort}`,
        '--name',
        name,
        '--address',
        address,
        '--state-dir',
        stateDir,
        '--data-root',
        path.join(stateDir, 'data'),
        '--insecure',
        '--backoff-max-ms',
        '1000',
        ...extra,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const handle = { name, address, stateDir, child };
    lab.agents.set(logName, handle);
    return handle;
  };

  beforeAll(async () => {
    lab = await Lab.create('hardening');
    await lab.startControlPlane();
    await lab.startAgent(HZ1.name, HZ1.address);
    await lab.startAgent(HZ2.name, HZ2.address);
    await lab.waitForHosts([HZ1.name, HZ2.name]);
    expect((await lab.api('PUT', '/v1/clusters/zk-hard', spec())).status).toBe(200);
    pid = member(await lab.waitForHealth('zk-hard', 'healthy', { timeoutMs: 90_000 })).pid;
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('#3, #4 on the real server: a text/plain rollout start → 415 and no rollout; __proto__ in settings → 400 naming it', async () => {
    const plain = await fetch(`${lab.server}/v1/clusters/zk-hard/rollouts`, {
      method: 'POST',
      body: '{"action":"restart"}',
      headers: { 'content-type': 'text/plain', ...lab.authHeaders() },
    });
    expect(plain.status).toBe(415);
    expect(
      (await lab.api<{ rollouts: unknown[] }>('GET', '/v1/clusters/zk-hard/rollouts')).body.rollouts,
    ).toEqual([]);
    const proto = await fetch(`${lab.server}/v1/clusters/zk-hard`, {
      method: 'PUT',
      body: JSON.stringify(spec()).replace('"settings":{', '"settings":{"__proto__":{"tickTime":1},'),
      headers: { 'content-type': 'application/json', ...lab.authHeaders() },
    });
    expect(proto.status).toBe(400);
    expect(
      ((await proto.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path),
    ).toEqual(['settings.__proto__']);
    expect((await lab.cluster('zk-hard')).revision).toBe(1);
  });

  it('#8 restart pending: a change applied without a rollout marks the member; reverting it clears the mark, without a restart', async () => {
    expect((await lab.api('PUT', '/v1/clusters/zk-hard?rollout=false', spec({ tickTime: 600 }))).status).toBe(
      200,
    );
    await waitFor(
      'restart pending on hz1',
      async () =>
        ((await lab.cluster('zk-hard')) as Hint).status.hint?.includes('restart pending on hz1') || undefined,
    );
    expect((await lab.api('PUT', '/v1/clusters/zk-hard?rollout=false', spec())).status).toBe(200);
    const cleared = await waitFor('restart pending to clear', async () => {
      const c = (await lab.cluster('zk-hard')) as Hint;
      return c.revision === 3 &&
        c.status.hint === undefined &&
        !String(member(c).detail).includes('restart pending')
        ? c
        : undefined;
    });
    expect(member(cleared)).toMatchObject({ pid, restarts: 0 });
  });

  it('#8 a second agent with the same name is refused and backs off; the first keeps its session, address and member', async () => {
    const twin = startAgentWith(HZ1.name, TWIN_ADDRESS, [], 'hz1-twin', path.join(lab.dir, 'hz1-twin'));
    const refusals = await waitFor(
      'the twin to be refused three times',
      () => {
        const lost = logLines(agentLog('hz1-twin')).filter(
          (l) =>
            l.msg === 'control plane connection lost; reconnecting' &&
            String(l.reason).startsWith('ALREADY_EXISTS: host hz1 already has a connected agent'),
        );
        return lost.length >= 3 ? lost : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(
      logLines(agentLog('hz1-twin')).some(
        (l) => l.msg === 'refused by the control plane: another agent with this --name is connected',
      ),
    ).toBe(true);
    // Backoff: every refusal is a failed round (never welcomed), so the jittered wait's cap doubles
    // each time; a wait is random below its cap (full jitter), so the rounds are what grows.
    const rounds = refusals.map((l) => Number(l.failed_rounds));
    expect(rounds[1]!).toBeGreaterThan(rounds[0]!);
    expect(rounds[2]!).toBeGreaterThan(rounds[1]!);
    expect(await host(HZ1.name)).toMatchObject({ connected: true, address: HZ1.address, applyError: '' });
    await lab.stopAgent('hz1-twin');
    lab.agents.delete('hz1-twin');
    expect(twin.child.exitCode !== null || twin.child.signalCode !== null).toBe(true);
    expect(member(await lab.waitForHealth('zk-hard', 'healthy'))).toMatchObject({ pid, restarts: 0 });
  });

  it("a second agent with another name and hz1's address is refused naming the address, and never registered; hz1 keeps its member", async () => {
    startAgentWith('hz9', HZ1.address, [], 'hz9', path.join(lab.dir, 'hz9'));
    await waitFor(
      'hz9 to be refused for the address',
      () =>
        logLines(agentLog('hz9')).some(
          (l) =>
            l.msg === 'control plane connection lost; reconnecting' &&
            String(l.reason).startsWith(
              `ALREADY_EXISTS: address ${HZ1.address} is that of host hz1, whose agent is connected`,
            ),
        ) || undefined,
      { timeoutMs: 30_000 },
    );
    expect(await host('hz9')).toBeUndefined();
    expect(await host(HZ1.name)).toMatchObject({ connected: true, address: HZ1.address });
    await lab.stopAgent('hz9');
    lab.agents.delete('hz9');
    expect(member(await lab.waitForHealth('zk-hard', 'healthy'))).toMatchObject({ pid, restarts: 0 });
  });

  it('#5 a package on a host the agent does not allow: not fetched at all, and the reason names the flag', async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(404).end('nothing here');
    });
    await new Promise<void>((r) => server.listen(0, PACKAGE_SERVER, () => r()));
    const url = `http://${PACKAGE_SERVER}:${(server.address() as AddressInfo).port}/zookeeper.tgz`;
    try {
      const pkg = {
        name: 'zk-pkg',
        kind: 'zookeeper',
        distribution: { package: { url, sha512: 'a'.repeat(128) } },
        members: [{ host: HZ2.name, id: 1, adminPort: 0 }],
      };
      expect((await lab.api('PUT', '/v1/clusters/zk-pkg', pkg)).status).toBe(200);
      const h = await waitFor('hz2 to report why', async () => {
        const x = await host(HZ2.name);
        return x?.applyError ? x : undefined;
      });
      expect(h.applyError).toContain(
        `package ${url} not downloaded: this agent downloads no packages: start it with --package-host ${PACKAGE_SERVER}:`,
      );
      expect(h.applyError).not.toContain('404');
      expect(requests).toBe(0);
      expect((await lab.api('DELETE', '/v1/clusters/zk-pkg')).status).toBe(200);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('#10 hactl apply of a 30 MB file → exit 2 with the size, nothing read or sent', async () => {
    const huge = path.join(lab.dir, 'huge.yaml');
    fs.writeFileSync(huge, 'name: zk-hard\n');
    fs.truncateSync(huge, 30 * 1024 * 1024);
    const started = Date.now();
    const r = await new Promise<{ code: number; err: string }>((resolve) =>
      execFile(
        path.join(REPO_ROOT, 'bin/hactl'),
        ['apply', '-f', huge],
        { env: { ...process.env, ...lab.cliEnv(), NO_COLOR: '1' } },
        (err, _out, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, err: stderr }),
      ),
    );
    console.log(`hactl apply -f 30 MB: exit ${r.code} in ${Date.now() - started} ms`);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error: ${huge} is 30.0 MiB (${30 * 1024 * 1024} bytes); the control plane accepts at most 1.0 MiB (1048576 bytes) of specs per request, so it was not read; nothing was sent\n`,
    );
    expect((await lab.cluster('zk-hard')).revision).toBe(3);
  });

  it('#7 a tampered applied-state.json (a ".." path, same generation) is refused naming the file and field; the agent re-adopts and re-applies the control plane\'s state', async () => {
    const stateDir = path.join(lab.dir, HZ1.name);
    const file = path.join(stateDir, 'applied-state.json');
    await lab.stopAgent(HZ1.name);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      generation: number;
      instances: { inputs: { confDir: string } }[];
    };
    const good = saved.instances[0]!.inputs.confDir;
    // Well-formed, same generation as the control plane's: the old agent applied it on resume and,
    // the generation being current, never re-applied the control plane's state.
    saved.instances[0]!.inputs.confDir = `${good}/../../../../../tampered`;
    fs.writeFileSync(file, JSON.stringify(saved));
    const logStart = logLines(agentLog(HZ1.name)).length;
    await lab.startAgent(HZ1.name, HZ1.address);
    const refused = await waitFor('the agent to refuse its saved state', () =>
      logLines(agentLog(HZ1.name))
        .slice(logStart)
        .find((l) => l.msg.startsWith('saved applied state refused')),
    );
    expect(refused.err).toBe(`${file}: instances[0].inputs.confDir: must not contain "." or ".." segments`);
    await lab.waitForHosts([HZ1.name]);
    const c = await lab.waitForHealth('zk-hard', 'healthy', { where: (x) => member(x).lastProbe !== null });
    expect(member(c)).toMatchObject({ pid, restarts: 0 });
    expect(fs.existsSync(path.join(stateDir, 'tampered'))).toBe(false);
    await waitFor("the control plane's state to be saved again", () =>
      fs.readFileSync(file, 'utf8').includes('tampered') ? undefined : true,
    );
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as typeof saved).instances[0]!.inputs.confDir).toBe(
      good,
    );
    const h = await waitFor('hz1 to report the applied generation', async () => {
      const x = await host(HZ1.name);
      return x && x.appliedGeneration === x.generation ? x : undefined;
    });
    expect(h.applyError).toBe('');
  });

  it('#6 a fresh, empty control plane: the agent refuses its state and ZooKeeper keeps running; --accept-control-plane ID follows it and re-adopts the member', async () => {
    const oldId = (await lab.api<{ controlPlaneId: string }>('GET', '/v1/info')).body.controlPlaneId;
    await lab.stopControlPlane();
    fs.renameSync(path.join(lab.dir, 'cp'), path.join(lab.dir, 'cp-old'));
    await lab.startControlPlane();
    const newId = (await lab.api<{ controlPlaneId: string }>('GET', '/v1/info')).body.controlPlaneId;
    expect(newId).not.toBe(oldId);
    const logStart = logLines(agentLog(HZ1.name)).length;
    const h = await waitFor('hz1 to refuse the new control plane', async () => {
      const x = await host(HZ1.name);
      return x?.connected && x.applyError ? x : undefined;
    });
    expect(h.applyError).toBe(
      `refused the desired state of control plane ${newId}: this agent belongs to control plane ${oldId}, ` +
        `and a control plane with another identity (a fresh install, or another fleet's) must not take over its services; ` +
        `the last applied state keeps running. ` +
        `If it is right to follow it, restart the agent with --accept-control-plane ${newId}.`,
    );
    // The refusal was decided (it is reported); nothing was stopped.
    expect(h.appliedGeneration).toBe(0);
    expect(alive(pid)).toBe(true);
    expect(
      logLines(agentLog(HZ1.name))
        .slice(logStart)
        .some((l) => l.msg === 'instance removed'),
    ).toBe(false);

    // Even a state that names the member is not taken from a control plane the agent does not follow.
    expect((await lab.api('PUT', '/v1/clusters/zk-hard', spec())).status).toBe(200);
    await waitFor('generation 2 to reach hz1', async () =>
      (await host(HZ1.name))?.generation === 2 ? true : undefined,
    );
    expect(await host(HZ1.name)).toMatchObject({
      appliedGeneration: 0,
      applyError: expect.stringContaining('refused the desired state'),
    });

    // The operator's explicit action.
    await lab.stopAgent(HZ1.name);
    startAgentWith(HZ1.name, HZ1.address, ['--accept-control-plane', newId]);
    const followed = await waitFor('hz1 to follow the new control plane', async () => {
      const x = await host(HZ1.name);
      return x?.connected && x.appliedGeneration === 2 && x.applyError === '' ? x : undefined;
    });
    expect(followed.generation).toBe(2);
    const c = await lab.waitForHealth('zk-hard', 'healthy', { where: (x) => member(x).lastProbe !== null });
    expect(member(c)).toMatchObject({ pid, restarts: 0 });
    expect(JSON.parse(fs.readFileSync(path.join(lab.dir, HZ1.name, 'control-plane.json'), 'utf8'))).toEqual({
      id: newId,
    });
  });
});
