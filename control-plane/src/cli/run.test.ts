import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import https from 'node:https';
import net, { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionRefused, fakeIo } from './fake-io.js';
import { nodeHttpClient, nodeHttpStreamClient } from './http.js';
import { runCli } from './run.js';
import { createCa, issueServerCert } from '../trust/x509.js';
import { listenGrpc } from '../server.js';
import { CLI_VERSION } from './version.js';

const HOSTS_URL = 'http://127.0.0.1:7080/v1/hosts';

describe('server and token resolution', () => {
  it('--server wins over HACTL_SERVER; a trailing slash is dropped; works after the subcommand too', async () => {
    const io = fakeIo(
      { ['GET http://10.0.0.5:9000/v1/hosts']: { body: { hosts: [] } } },
      { env: { HACTL_SERVER: 'http://env:1' } },
    );
    expect(await runCli(['get', 'hosts', '--server', 'http://10.0.0.5:9000/'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual(['http://10.0.0.5:9000/v1/hosts']);
  });

  it('--server before the subcommand', async () => {
    const io = fakeIo({ ['GET http://cp:7080/v1/clusters']: { body: { clusters: [] } } });
    expect(await runCli(['--server', 'http://cp:7080', 'get', 'clusters'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual(['http://cp:7080/v1/clusters']);
  });

  it('HACTL_SERVER when no flag', async () => {
    const io = fakeIo(
      { ['GET http://env-host:7081/v1/hosts']: { body: { hosts: [] } } },
      { env: { HACTL_SERVER: 'http://env-host:7081' } },
    );
    expect(await runCli(['get', 'hosts'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual(['http://env-host:7081/v1/hosts']);
  });

  it('token from HACTL_TOKEN or --token is sent as a bearer token', async () => {
    const env = fakeIo({ [`GET ${HOSTS_URL}`]: { body: { hosts: [] } } }, { env: { HACTL_TOKEN: 'envtok' } });
    await runCli(['get', 'hosts'], env);
    expect(env.requests[0]?.headers.authorization).toBe('Bearer envtok');
    const flag = fakeIo(
      { [`GET ${HOSTS_URL}`]: { body: { hosts: [] } } },
      { env: { HACTL_TOKEN: 'envtok' } },
    );
    await runCli(['get', 'hosts', '--token', 'flagtok'], flag);
    expect(flag.requests[0]?.headers.authorization).toBe('Bearer flagtok');
  });

  it('a comma list of replicas: the next one only when the previous could not be reached; the request is sent once', async () => {
    const io = fakeIo(
      {
        ['GET http://cp1:7080/v1/hosts']: connectionRefused(),
        ['GET http://cp2:7080/v1/hosts']: { body: { hosts: [] } },
      },
      { env: { HACTL_SERVER: 'http://cp1:7080,http://cp2:7080/,http://cp3:7080' } },
    );
    expect(await runCli(['get', 'hosts'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual(['http://cp1:7080/v1/hosts', 'http://cp2:7080/v1/hosts']);
  });

  it('every replica unreachable → one error naming each, exit 1', async () => {
    const io = fakeIo(
      {
        ['GET http://cp1:7080/v1/hosts']: connectionRefused(),
        ['GET http://cp2:7080/v1/hosts']: connectionRefused(),
      },
      { env: { HACTL_SERVER: 'http://cp1:7080,http://cp2:7080' } },
    );
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toMatch(/http:\/\/cp1:7080: connection refused; http:\/\/cp2:7080: connection refused/);
  });

  it.each([['not a url'], ['ftp://cp:21'], ['http://cp1:7080,nope']])(
    'invalid --server %j → usage error, exit 2, nothing sent',
    async (server) => {
      const io = fakeIo();
      expect(await runCli(['get', 'hosts', '--server', server], io)).toBe(2);
      expect(io.requests).toEqual([]);
      expect(io.err()).toMatch(/^error: invalid server URL /);
    },
  );
});

describe('errors', () => {
  it('server says the input is invalid (400) → "error: message" then "  path: message" lines, exit 2 as for any invalid input', async () => {
    const io = fakeIo({
      [`GET ${HOSTS_URL}`]: {
        status: 400,
        body: {
          error: {
            code: 'invalid_argument',
            message: 'bad request',
            details: [
              { path: '', message: 'body is empty' },
              { path: 'a.b', message: 'must be set' },
            ],
          },
        },
      },
    });
    expect(await runCli(['get', 'hosts'], io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('error: bad request\n  (root): body is empty\n  a.b: must be set\n');
  });

  it.each([
    [404, 'not_found'],
    [409, 'conflict'],
    [500, 'internal'],
    [503, 'unavailable'],
  ])('server refuses for the state things are in (%i) → exit 1', async (status, code) => {
    const io = fakeIo({ [`GET ${HOSTS_URL}`]: { status, body: { error: { code, message: 'no' } } } });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
  });

  describe('a GET the server refuses with a retriable error is asked again, after 0.5, 1 and 2 s', () => {
    const busy = { status: 503, body: { error: { code: 'unavailable', message: 'store busy' } } };
    const hosts = { body: { hosts: [] } };
    it.each([
      ['answered on the third try', [busy, busy, hosts], 0, [500, 1000]],
      ['never answered: four tries, then the error and a hint', [busy], 1, [500, 1000, 2000]],
      [
        '503 that the server says is not retriable: one try',
        [{ status: 503, body: { error: { code: 'unavailable', message: 'no', retriable: false } } }],
        1,
        [],
      ],
      [
        '409 (not retriable by default): one try',
        [{ status: 409, body: { error: { code: 'conflict', message: 'no' } } }],
        1,
        [],
      ],
      [
        '409 the server marks retriable: asked again',
        [{ status: 409, body: { error: { code: 'conflict', message: 'no', retriable: true } } }, hosts],
        0,
        [500],
      ],
    ] as const)('%s', async (_name, answers, exitCode, sleeps) => {
      // A one-answer route answers every try alike.
      const io = fakeIo({ [`GET ${HOSTS_URL}`]: answers.length === 1 ? answers[0] : [...answers] });
      expect(await runCli(['get', 'hosts'], io)).toBe(exitCode);
      expect(io.sleeps).toEqual(sleeps);
      expect(io.requests).toHaveLength(sleeps.length + 1);
      if (exitCode === 1 && sleeps.length)
        expect(io.err()).toBe(
          'error: store busy\nhint: the control plane says this may succeed later; try the command again.\n',
        );
    });

    it('a write is never repeated on its own: one try, and the hint', async () => {
      const io = fakeIo({ ['POST http://127.0.0.1:7080/v1/clusters/zk-main/rollouts']: busy });
      expect(await runCli(['rollout', 'start', 'zk-main'], io)).toBe(1);
      expect(io.requests).toHaveLength(1);
      expect(io.sleeps).toEqual([]);
      expect(io.err()).toContain('hint: the control plane says this may succeed later');
    });
  });

  it('a non-contract error body (proxy page) → status and a snippet of the body', async () => {
    const io = fakeIo({ [`GET ${HOSTS_URL}`]: { status: 502, raw: '<html>Bad Gateway</html>' } });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toBe('error: the control plane answered HTTP 502: <html>Bad Gateway</html>\n');
  });

  it('a 2xx body that is not JSON → error, exit 1', async () => {
    const io = fakeIo({ [`GET ${HOSTS_URL}`]: { raw: 'hello' } });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toBe('error: the control plane answered HTTP 200 with a body that is not JSON\n');
  });

  it('control characters in a server message are escaped, so it cannot forge output lines', async () => {
    const io = fakeIo({
      [`GET ${HOSTS_URL}`]: {
        status: 500,
        body: {
          error: { code: 'internal', message: 'boom\u001b[2J', details: [{ path: 'x\ny', message: 'z' }] },
        },
      },
    });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toBe('error: boom\\x1b[2J\n  x\\ny: z\n');
  });

  it('a multi-line server message keeps its lines but indents them, so none can pose as output of its own', async () => {
    const io = fakeIo({
      [`GET ${HOSTS_URL}`]: {
        status: 500,
        body: {
          error: {
            code: 'internal',
            message: 'first\nerror: forged',
            details: [{ path: 'p', message: 'a\nb' }],
          },
        },
      },
    });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toBe('error: first\n      error: forged\n  p: a\n      b\n');
  });

  it('connection refused → names the server and hints at --server/HACTL_SERVER, exit 1', async () => {
    const io = fakeIo({ [`GET ${HOSTS_URL}`]: connectionRefused() });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      'error: cannot reach the control plane at http://127.0.0.1:7080: connection refused\n' +
        'hint: is the control plane running there? Point hactl at it with --server URL or the HACTL_SERVER environment variable.\n',
    );
  });

  it('connection refused with the real HTTP client against a closed port', async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const io = { ...fakeIo(), http: nodeHttpClient };
    expect(await runCli(['get', 'clusters', '--server', `http://127.0.0.1:${port}`], io)).toBe(1);
    expect(io.err().split('\n')[0]).toBe(
      `error: cannot reach the control plane at http://127.0.0.1:${port}: connection refused`,
    );
  });
});

describe('a server that is not the REST API as hactl expects it, with the real HTTP client', () => {
  /** A certificate for 127.0.0.1 from a CA of its own, as a control plane makes them. */
  const tlsPair = async () => {
    const ca = await createCa(Date.now(), 'test CA');
    const server = await issueServerCert(ca, ['127.0.0.1'], Date.now());
    return { ca, server };
  };
  /** Runs `fn` with `srv` listening on 127.0.0.1 (an ephemeral port), closed after. */
  const listening = async (srv: https.Server, fn: (port: number) => Promise<void>): Promise<void> => {
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      await fn((srv.address() as AddressInfo).port);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  };

  it("a certificate from the control plane's own CA, not given → the hint names --ca and HACTL_CA; with it, the call goes through", async () => {
    const { ca, server } = await tlsPair();
    const srv = https.createServer({ cert: server.certPem, key: server.keyPem }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"hosts":[]}');
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hactl-cli-ca-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
      await listening(srv, async (port) => {
        const url = `https://127.0.0.1:${port}`;
        const io = { ...fakeIo(), http: nodeHttpClient };
        expect(await runCli(['get', 'hosts', '--server', url], io)).toBe(1);
        expect(io.err()).toMatch(
          new RegExp(
            `^error: cannot reach the control plane at ${url}: .*certificate.*\\n` +
              "hint: the control plane's certificate is not signed by a CA hactl trusts: pass the " +
              "control plane's CA \\(ca.pem in its data dir\\) with --ca FILE or the HACTL_CA environment variable",
          ),
        );
        const withCa = { ...fakeIo(), http: nodeHttpClient };
        expect(
          await runCli(['get', 'hosts', '--server', url, '--ca', path.join(dir, 'ca.pem')], withCa),
        ).toBe(0);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['over TLS (Node answers 403 Missing ALPN Protocol)', true],
    ['in plaintext, as under --insecure (the answer is not HTTP/1.1)', false],
  ])(
    "the control plane's own gRPC listener %s → the hint names the REST address, exit 1",
    async (_name, tlsOn) => {
      const { ca, server } = await tlsPair();
      const grpcServer = new grpc.Server();
      const { listener, port } = await listenGrpc(
        grpcServer,
        { host: '127.0.0.1', port: 0 },
        16,
        tlsOn ? { cert: server.certPem, key: server.keyPem } : undefined,
      );
      // Node's http2 core keeps a connection that spoke no HTTP/2 for 10 s (unknownProtocolTimeout),
      // and the listener's close waits for it: ended here instead.
      const sockets = new Set<net.Socket>();
      listener.on('connection', (socket: net.Socket) => sockets.add(socket));
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hactl-cli-ca-'));
      try {
        writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
        const url = `${tlsOn ? 'https' : 'http'}://127.0.0.1:${port}`;
        const expected =
          `error: cannot reach the control plane at ${url}: ` +
          `${tlsOn ? 'it answers HTTP/2 only' : 'its answer is not HTTP/1.1'}\n` +
          "hint: this looks like the control plane's gRPC port (agents use it), not its REST API: point " +
          'hactl at the --listen-http address (port 7080 unless the control plane was started with another)\n';
        const target = ['--server', url, '--ca', path.join(dir, 'ca.pem')];
        const io = { ...fakeIo(), http: nodeHttpClient };
        expect(await runCli(['get', 'hosts', ...target], io)).toBe(1);
        expect(io.err()).toBe(expected);
        // A streamed answer (logs -f, exec) reads the refusal's body on its own path.
        const streamIo = { ...fakeIo(), http: nodeHttpClient, httpStream: nodeHttpStreamClient };
        expect(await runCli(['logs', '-f', 'kafka-main/kafka-1', ...target], streamIo)).toBe(1);
        expect(streamIo.err()).toBe(expected);
      } finally {
        grpcServer.forceShutdown();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('usage, help and version', () => {
  it.each([
    [['nope'], "error: unknown command 'nope'"],
    [['describe', 'cluster', 'zk-main', 'extra'], "error: too many arguments for 'cluster'"],
    [
      ['get', 'hosts', '-o', 'xml'],
      "argument 'xml' is invalid. Allowed choices are table, wide, json, yaml.",
    ],
    [['get', 'hosts', '--bogus'], "error: unknown option '--bogus'"],
    // The resource type left out: the hint says what goes there.
    [['describe', 'kafka-main'], "error: unknown command 'kafka-main'\n(hactl describe cluster NAME;"],
    [['get', 'kafka-main'], "error: unknown command 'kafka-main'\n(hactl get clusters [NAME...] or"],
  ])('%j → exit 2 with a message, nothing sent', async (argv, message) => {
    const io = fakeIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toContain(message);
  });

  it('no command → help on stderr, exit 2', async () => {
    const io = fakeIo();
    expect(await runCli([], io)).toBe(2);
    expect(io.err()).toContain('Usage: hactl [options] [command]');
  });

  it.each([
    [['--help']],
    [['get', '--help']],
    [['apply', '--help']],
    [['describe', 'cluster', '--help']],
    [['help', 'get']],
  ])('%j → help on stdout, exit 0', async (argv) => {
    const io = fakeIo();
    expect(await runCli(argv, io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: hactl /);
    expect(io.requests).toEqual([]);
  });

  it('apply --help explains dry-run and --no-rollout', async () => {
    const io = fakeIo();
    await runCli(['apply', '--help'], io);
    expect(io.out()).toContain('stores nothing');
    expect(io.out()).toContain('--no-rollout');
  });

  it('version and --version print the version, equal to package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(CLI_VERSION).toBe(pkg.version);
    const a = fakeIo();
    expect(await runCli(['version'], a)).toBe(0);
    expect(a.out()).toBe(`hactl ${CLI_VERSION}\n`);
    const b = fakeIo();
    expect(await runCli(['--version'], b)).toBe(0);
    expect(b.out()).toBe(`${CLI_VERSION}\n`);
  });
});
