/**
 * The CLI half of the battery: `hactl` (control-plane/dist/cli/main.js, bin/hactl) with bad flags,
 * bad YAML, a multi-document file with one bad document, a file over the size limit, and servers
 * that are not a hactl control plane.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  CP_HOST,
  REPO_ROOT,
  freePort,
  rest,
  show,
  type Class,
  type ControlPlane,
  type Outcome,
} from './harness.js';
import { revisions } from './rest.js';

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function hactl(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'control-plane/dist/cli/main.js'), ...args], {
      env: { ...process.env, HACTL_SERVER: '', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

interface CliCase {
  name: string;
  args: string[];
  stdin?: string;
  /** What a clear refusal says (on stderr). */
  mention: RegExp;
  /** Whether it still changed the fleet. */
  changed?: boolean;
}

/** Starts a throwaway HTTP server answering every request with `answer`. */
function fakeServer(answer: (res: http.ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const srv = http.createServer((_req, res) => answer(res));
    srv.listen(0, CP_HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      resolve({ url: `http://${CP_HOST}:${port}`, close: () => srv.close() });
    });
  });
}

export async function runCli(cp: ControlPlane, dir: string): Promise<Outcome[]> {
  const server = `http://${CP_HOST}:${cp.httpPort}`;
  const file = (name: string, text: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const zkYaml = (name: string, port: number) =>
    `name: ${name}\nkind: zookeeper\ndistribution: { home: /usr/share/zookeeper }\nmembers:\n` +
    `  - { host: h4, id: 1, clientPort: ${port}, peerPort: ${port + 1}, electionPort: ${port + 2}, adminPort: 0 }\n`;
  const html = await fakeServer((res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to nginx!</body></html>');
  });
  const otherJson = await fakeServer((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok","items":[1,2,3]}');
  });
  const broken = await fakeServer((res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
  });
  const resetter = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => resetter.listen(0, CP_HOST, r));
  const resetPort = (resetter.address() as net.AddressInfo).port;
  const closedPort = await freePort(CP_HOST);

  // As admin (every route needs a token): without one, each case that reaches the control plane
  // was refused for the missing token instead of for its input.
  const token = cp.token;
  if (!token) throw new Error('the control plane wrote no admin token');
  const s = ['--server', server, '--token', token];
  const cases: CliCase[] = [
    { name: 'apply without -f', args: [...s, 'apply'], mention: /--file|-f/ },
    { name: 'unknown flag', args: [...s, 'get', 'clusters', '--bogus'], mention: /unknown option|--bogus/ },
    { name: 'unknown command', args: [...s, 'explode'], mention: /unknown command|explode/ },
    { name: 'unknown resource', args: [...s, 'get', 'nonsense'], mention: /unknown command|nonsense/ },
    {
      name: 'bad output format',
      args: [...s, 'get', 'clusters', '-o', 'xml'],
      mention: /xml|choices|output/,
    },
    { name: 'missing file', args: [...s, 'apply', '-f', path.join(dir, 'nope.yaml')], mention: /nope\.yaml/ },
    {
      name: 'a directory as the file',
      args: [...s, 'apply', '-f', dir],
      mention: /directory|EISDIR|battery/,
    },
    {
      name: 'bad YAML',
      args: [...s, 'apply', '-f', file('bad.yaml', 'name: zk-x\nmembers: [\n')],
      mention: /bad\.yaml.*(line|:\d)|line \d/s,
    },
    {
      name: 'YAML that is a scalar',
      args: [...s, 'apply', '-f', file('scalar.yaml', 'just a string\n')],
      mention: /scalar\.yaml|mapping|object/,
    },
    {
      name: 'YAML that is a list',
      args: [...s, 'apply', '-f', file('list.yaml', '- a\n- b\n')],
      mention: /list\.yaml|mapping|object/,
    },
    {
      name: 'YAML with duplicate keys',
      args: [...s, 'apply', '-f', file('dup.yaml', `${zkYaml('zk-dup', 21000)}name: zk-dup2\n`)],
      mention: /dup\.yaml|duplicate|unique/i,
      changed: true,
    },
    {
      name: 'YAML alias bomb',
      args: [
        ...s,
        'apply',
        '-f',
        file(
          'bomb.yaml',
          `a: &a ["x","x","x","x","x","x","x","x","x"]\n` +
            `b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n` +
            `d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n` +
            `f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
        ),
      ],
      mention: /bomb\.yaml/,
    },
    {
      name: 'YAML with a __proto__ key',
      args: [
        ...s,
        'apply',
        '-f',
        file('proto.yaml', `${zkYaml('zk-proto', 21100)}settings:\n  __proto__: { tickTime: 1 }\n`),
      ],
      mention: /__proto__/,
      changed: true,
    },
    {
      name: 'multi-document file with one bad document',
      args: [
        ...s,
        'apply',
        '-f',
        file(
          'multi.yaml',
          `${zkYaml('zk-multi-a', 21200)}---\n${zkYaml('zk-multi-b', 21300).replace('id: 1', 'id: 0')}`,
        ),
      ],
      mention: /id|myid|1-255/,
      changed: true,
    },
    {
      name: 'multi-document file with a YAML error in the second',
      args: [...s, 'apply', '-f', file('multi2.yaml', `${zkYaml('zk-multi-c', 21400)}---\nname: [\n`)],
      mention: /multi2\.yaml/,
      changed: true,
    },
    {
      name: 'multi-document file: two specs with one name',
      args: [
        ...s,
        'apply',
        '-f',
        file('multi3.yaml', `${zkYaml('zk-multi-d', 21500)}---\n${zkYaml('zk-multi-d', 21600)}`),
      ],
      mention: /zk-multi-d|twice|duplicate|same name/,
      changed: true,
    },
    {
      name: 'file over the size limit (2 MiB)',
      args: [
        ...s,
        'apply',
        '-f',
        file('big.yaml', `${zkYaml('zk-big', 21700)}# ${'x'.repeat(2 * 1024 * 1024)}\n`),
      ],
      mention: /MiB|MB|bytes|larger|too large/,
      changed: true,
    },
    {
      name: 'stdin over the size limit (2 MiB)',
      args: [...s, 'apply', '-f', '-'],
      stdin: `${zkYaml('zk-big2', 21800)}# ${'x'.repeat(2 * 1024 * 1024)}\n`,
      mention: /MiB|MB|bytes|larger|too large/,
      changed: true,
    },
    { name: 'empty stdin', args: [...s, 'apply', '-f', '-'], stdin: '', mention: /no cluster specs|empty/ },
    { name: 'stdin twice', args: [...s, 'apply', '-f', '-', '-f', '-'], mention: /stdin/ },
    {
      name: 'server URL with a bad scheme',
      args: ['--server', 'ftp://x', 'get', 'clusters'],
      mention: /ftp|http/,
    },
    {
      name: 'server URL that is not a URL',
      args: ['--server', 'not a url', 'get', 'clusters'],
      mention: /not a url|server URL/,
    },
    {
      name: 'server that answers HTML',
      args: ['--server', html.url, 'get', 'clusters'],
      mention: /not a hactl|unexpected|HTML|html|JSON/,
    },
    {
      name: 'server that answers other JSON',
      args: ['--server', otherJson.url, 'get', 'clusters'],
      mention: /not a hactl|unexpected|clusters|shape/,
    },
    {
      name: 'server that answers 500 text',
      args: ['--server', broken.url, 'get', 'clusters'],
      mention: /500|Internal/,
    },
    {
      name: 'server that resets the connection',
      args: ['--server', `http://${CP_HOST}:${resetPort}`, 'get', 'clusters'],
      mention: /reset|connect|closed|socket|hang up/i,
    },
    {
      name: 'nothing listening',
      args: ['--server', `http://${CP_HOST}:${closedPort}`, 'get', 'clusters'],
      mention: /ECONNREFUSED|connect|refused/,
    },
    {
      name: 'rollout with a bad action',
      args: [...s, 'rollout', 'start', 'zk-main', '--action', 'explode'],
      mention: /explode|choices|action/,
    },
    {
      name: 'rollout with a bad gate timeout',
      args: [...s, 'rollout', 'start', 'zk-main', '--gate-timeout', 'abc'],
      mention: /gate|abc/,
      changed: true,
    },
    {
      name: 'rollback to a revision that is not a number',
      args: [...s, 'rollback', 'zk-main', '--to', 'abc'],
      mention: /--to|abc|revision/,
      changed: true,
    },
    {
      name: 'rollback to a missing revision',
      args: [...s, 'rollback', 'zk-main', '--to', '999'],
      mention: /999|revision/,
      changed: true,
    },
    {
      name: 'logs with negative lines',
      args: [...s, 'logs', 'zk-main', 'h1', '--lines', '-5'],
      mention: /lines|-5/,
    },
    {
      name: 'describe a traversal name',
      args: [...s, 'describe', 'cluster', '../etc'],
      mention: /name|\.\.\/etc/,
    },
    {
      name: 'diff with a bad --from',
      args: [...s, 'diff', 'zk-main', '--from', 'x'],
      mention: /--from|from|x/,
    },
    {
      name: 'delete without --yes',
      args: [...s, 'delete', 'cluster', 'es-main'],
      mention: /--yes|would/,
      changed: true,
    },
  ];

  const out: Outcome[] = [];
  for (const c of cases) {
    const before = await revisions(cp);
    const r = await hactl(c.args, c.stdin);
    const after = await revisions(cp);
    const text = `${r.stderr}${r.stdout}`;
    const crashed =
      r.signal !== null ||
      /\n\s+at .+:\d+:\d+|TypeError|ReferenceError|RangeError|Unhandled|node:internal/.test(r.stderr);
    let cls: Class;
    if (crashed || !cp.alive()) cls = 'crash';
    else if (c.changed !== undefined && before !== after) cls = 'accepted';
    else if (r.code === 0 && c.changed === undefined) cls = 'accepted';
    else if (r.code === 0) cls = c.mention.test(text) ? 'good' : 'unclear';
    else cls = c.mention.test(r.stderr) ? 'good' : 'unclear';
    const args = c.args.map((a) => (a.startsWith(dir) ? path.relative(dir, a) || '.' : a));
    out.push({
      surface: 'CLI',
      name: c.name,
      input: `hactl ${args.join(' ')}${c.stdin !== undefined ? ` < ${show(c.stdin, 40)}` : ''}`,
      answer: `exit ${r.code ?? r.signal}: ${show(text.trim(), 240)}${before !== after ? ` (fleet changed: ${before} → ${after})` : ''}`,
      cls,
    });
    if (before !== after) {
      // Put the fleet back: clusters the case created go.
      for (const name of after.split(' ').map((x) => x.split('@')[0]!))
        if (!before.includes(`${name}@`)) await rest(cp, 'DELETE', `/v1/clusters/${name}`);
    }
  }
  html.close();
  otherJson.close();
  broken.close();
  resetter.close();
  return out;
}
