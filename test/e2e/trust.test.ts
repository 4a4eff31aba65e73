import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentServiceClient, type AgentMessage, type ControlMessage__Output } from '@hactl/proto';
import { Lab, REPO_ROOT } from '../src/lab/fleet.js';
import { LabNetwork, type LabHost } from '../src/lab/netns.js';
import { waitFor } from '../src/lab/wait.js';

/**
 * Issue 12 acceptance on network namespaces: the one-liner from `hactl install-command`, run in the
 * namespace "server", installs (below HACTL_INSTALL_ROOT, not the machine's /opt) and enrolls an
 * agent that then runs a ZooKeeper member; re-running it keeps the identity; bad tokens,
 * certificate-less clients and impersonation are refused; deleting the host disconnects it for
 * good; and plain-text clients get nothing but TLS on both ports.
 *
 * Lab network slice 26: the control plane on 10.77.26.1, "server" at .11 in its own namespace.
 */
const BUNDLE = path.join(REPO_ROOT, '.bundle', 'agent-bundle.tar.gz');

function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 240_000,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, out, errOut) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out, err: errOut }),
    );
  });
}

describe.skipIf(!LabNetwork.supported())(
  'e2e: curl install, enrollment and mTLS on separate hosts (issue 12)',
  { timeout: 900_000 },
  () => {
    let lab: Lab;
    let server: LabHost;
    let root: string;
    let firstCommand = '';
    const hactl = (...argv: string[]) =>
      run(path.join(REPO_ROOT, 'bin/hactl'), argv, { ...lab.cliEnv(), NO_COLOR: '1' });
    const inServer = (cmd: string, args: string[], env: Record<string, string> = {}) => {
      const w = lab.network!.wrap(server, cmd, args);
      return run(w.command, w.args, env);
    };
    const installCommand = async () => {
      const r = await hactl(
        'install-command',
        '--name',
        'server',
        '--address',
        server.address,
        '--label',
        'role=zk',
      );
      expect(r.code, r.err).toBe(0);
      return r.out.trim();
    };
    /** Starts a second agent in the namespace with its own state dir; resolves with its exit code and output. */
    const agentAttempt = (name: string, token: string) => {
      const state = fs.mkdtempSync(path.join(lab.dir, 'attempt-'));
      return inServer(path.join(REPO_ROOT, 'bin/hactl-agent'), [
        '--server',
        `${lab.grpcHost}:${lab.grpcPort}`,
        '--name',
        name,
        '--address',
        server.address,
        '--state-dir',
        state,
        '--token',
        token,
        '--ca-file',
        lab.caFile,
      ]);
    };

    beforeAll(async () => {
      if (!fs.existsSync(BUNDLE)) {
        const b = await run(path.join(REPO_ROOT, 'scripts/bundle-agent.sh'), [], {}, 600_000);
        if (b.code !== 0) throw new Error(`scripts/bundle-agent.sh failed: ${b.err}`);
      }
      lab = await Lab.create('trust', { network: 26 });
      await lab.startControlPlane();
      server = lab.addHost('server', 11, { ownNamespace: true });
      root = path.join(lab.dir, 'root');
      fs.mkdirSync(root);
    });
    afterAll(async () => {
      await lab?.destroy();
    });

    it('the one-liner installs and enrolls the agent in the namespace; it runs a ZooKeeper member; re-running keeps the identity', async () => {
      const cmd = await installCommand();
      firstCommand = cmd;
      expect(cmd).not.toMatch(/ -k |--insecure/);
      const first = await inServer('sh', ['-c', cmd], { HACTL_INSTALL_ROOT: root });
      expect(first.code, first.err + first.out).toBe(0);
      await lab.waitForHosts(['server'], 120_000);
      const keyFile = path.join(root, 'var/lib/hactl-agent/tls/agent.key');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(root, 'etc/hactl/agent.env')).mode & 0o777).toBe(0o600);
      const key = fs.readFileSync(keyFile, 'utf8');
      const put = await lab.api('PUT', '/v1/clusters/zk-trust', {
        kind: 'zookeeper',
        distribution: { home: '/usr/share/zookeeper' },
        members: [{ host: 'server', id: 1 }],
      });
      expect(put.status).toBe(200);
      await lab.waitForHealth('zk-trust', 'healthy', { timeoutMs: 180_000 });

      const again = await inServer('sh', ['-c', await installCommand()], { HACTL_INSTALL_ROOT: root });
      expect(again.code, again.err + again.out).toBe(0);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(key);
      await lab.waitForHosts(['server'], 120_000);
      await lab.waitForHealth('zk-trust', 'healthy', { timeoutMs: 120_000 });
    });

    it('wrong, expired, used-up and foreign-name tokens are refused with the reason', async () => {
      const mk = async (body: Record<string, unknown>) =>
        (await lab.api<{ token: string; expiresAt: string }>('POST', '/v1/tokens', body)).body;
      const expired = await mk({ ttl: '1s', uses: 5, hosts: '*' });
      await waitFor(
        'the 1 s token to expire',
        () => (Date.now() > Date.parse(expired.expiresAt) + 100 ? true : undefined),
        { timeoutMs: 5000 },
      );
      // The first install's token: single use, and used.
      const used = { token: /--token (hjt_[A-Za-z0-9_-]+)/.exec(firstCommand)![1]! };
      const foreign = await mk({ ttl: '1h', uses: 5, hosts: 'kafka*' });
      const cases: [string, string, string, RegExp][] = [
        ['wrong', 'fresh1', 'hjt_wrongwrongwrong', /unknown enrollment token/],
        ['expired', 'fresh2', expired.token, /expired/],
        ['used up', 'fresh3', used.token, /no uses left/],
        ['foreign name', 'fresh4', foreign.token, /does not allow host fresh4/],
      ];
      const results = await Promise.all(cases.map(([, name, token]) => agentAttempt(name, token)));
      results.forEach((r, i) => {
        expect({ case: cases[i]![0], code: r.code }).toEqual({ case: cases[i]![0], code: 1 });
        expect(r.err).toMatch(cases[i]![3]);
      });
      const hosts = (await lab.api<{ hosts: { name: string }[] }>('GET', '/v1/hosts')).body.hosts.map(
        (h) => h.name,
      );
      expect(hosts.filter((h) => h.startsWith('fresh'))).toEqual([]);
    });

    it('impersonation: another key claiming "server", with a valid token for it, is refused', async () => {
      const t = (
        await lab.api<{ token: string }>('POST', '/v1/tokens', { ttl: '1h', uses: 1, hosts: 'server' })
      ).body.token;
      const r = await agentAttempt('server', t);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/enrolled with another key/);
    });

    it('a gRPC client without a certificate gets no welcome and no desired state', async () => {
      const Ctor = agentServiceClient();
      const c = new Ctor(
        `${lab.grpcHost}:${lab.grpcPort}`,
        grpc.credentials.createSsl(fs.readFileSync(lab.caFile)),
      );
      const stream = (
        c as unknown as { Connect(): grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output> }
      ).Connect();
      const got: ControlMessage__Output[] = [];
      stream.on('data', (m: ControlMessage__Output) => got.push(m));
      stream.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      stream.write({
        hello: {
          name: 'server',
          address: server.address,
          agentVersion: 'x',
          facts: { dataRoot: '/x', labels: {} },
        },
      });
      expect((await status).code).toBe(grpc.status.UNAUTHENTICATED);
      expect(got).toEqual([]);
      c.close();
    });

    it('plain-text clients get only TLS on the gRPC and HTTP ports', async () => {
      // What a capture would show: the server's first bytes to a plain-text client are a TLS record
      // (0x15 alert or nothing), never an HTTP/2 SETTINGS frame or an "HTTP/1.1" status line.
      const firstBytes = (port: number, send: string) =>
        new Promise<Buffer>((resolve) => {
          const s = net.connect(port, lab.grpcHost, () => s.write(send));
          const chunks: Buffer[] = [];
          s.on('data', (d: Buffer) => chunks.push(d));
          s.on('close', () => resolve(Buffer.concat(chunks)));
          s.on('error', () => undefined);
          s.setTimeout(5000, () => s.destroy());
        });
      for (const [port, send] of [
        [lab.grpcPort, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
        [lab.httpPort, `GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`],
      ] as const) {
        const got = await firstBytes(port, send);
        expect(got.toString('latin1')).not.toMatch(/HTTP\//);
        if (got.length) expect(got[0]).toBe(0x15);
      }
    });

    it('deleting the host ends its stream and refuses its certificate from then on', async () => {
      expect((await lab.api('DELETE', '/v1/clusters/zk-trust')).status).toBe(200);
      const del = await hactl('delete', 'host', 'server', '--yes');
      expect(del.code, del.err).toBe(0);
      const log = path.join(root, 'var/lib/hactl-agent/agent.log');
      await waitFor(
        'the agent to be refused after deletion',
        () => (/UNAUTHENTICATED/.test(fs.readFileSync(log, 'utf8')) ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const hosts = (await lab.api<{ hosts: { name: string }[] }>('GET', '/v1/hosts')).body.hosts.map(
        (h) => h.name,
      );
      expect(hosts).not.toContain('server');
    });
  },
);
