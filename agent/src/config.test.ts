import { describe, expect, it } from 'vitest';
import { ValidationError, problemsOf } from '@hactl/shared';
import { loadConfig } from './config.js';

const base = ['--server', '127.0.0.1:7443', '--name', 'zk1', '--address', '127.0.0.11', '--insecure'];

describe('agent flags for issue 16 (#5 package hosts, #6 control plane)', () => {
  it.each<[string, string[], Record<string, string>, Partial<ReturnType<typeof loadConfig>>]>([
    [
      'no --package-host → no package host at all',
      [],
      {},
      { packageHosts: [], acceptControlPlane: undefined, allowExec: false },
    ],
    ['--allow-exec → arbitrary commands allowed (issue 13)', ['--allow-exec'], {}, { allowExec: true }],
    [
      'repeatable --package-host',
      [
        '--package-host',
        'downloads.apache.org',
        '--package-host',
        'mirror.lan:8080',
        '--package-host',
        '[fd00::1]:80',
      ],
      {},
      { packageHosts: ['downloads.apache.org', 'mirror.lan:8080', '[fd00::1]:80'] },
    ],
    [
      "HACTL_AGENT_PACKAGE_HOSTS from the unit's environment file",
      [],
      { HACTL_AGENT_PACKAGE_HOSTS: 'a.example, b.example:8443' },
      { packageHosts: ['a.example', 'b.example:8443'] },
    ],
    [
      '--accept-control-plane ID',
      ['--accept-control-plane', 'AbCdEfGhIjKlMnOpQrStUv'],
      {},
      { acceptControlPlane: 'AbCdEfGhIjKlMnOpQrStUv' },
    ],
    [
      '--data-root and --state-dir in normal form',
      ['--data-root', '/srv//hactl/', '--state-dir', '/srv/hactl-agent/./'],
      {},
      { dataRoot: '/srv/hactl', stateDir: '/srv/hactl-agent' },
    ],
  ])('%s', (_s, argv, env, expected) => {
    expect(loadConfig({ argv: [...base, ...argv], env })).toMatchObject(expected);
  });

  it.each<[string, string[], string]>([
    ['a URL instead of a host', ['--package-host', 'https://downloads.apache.org/kafka'], '--package-host'],
    ['a host with a path', ['--package-host', 'mirror/evil'], '--package-host'],
    ['a control plane id with a slash', ['--accept-control-plane', '../../etc'], '--accept-control-plane'],
    // Issue 16 #1: the roots follow the one path rule set the control plane applies to the hello.
    ['--data-root / (every service dir straight under the root)', ['--data-root', '/'], '--data-root'],
    ['--data-root with a comma (Kafka log.dirs would split it)', ['--data-root', '/srv/a,b'], '--data-root'],
    ['--state-dir with a colon', ['--state-dir', '/srv/a:b'], '--state-dir'],
    ['--state-dir with a space', ['--state-dir', '/srv/my state'], '--state-dir'],
  ])('%s → refused naming the flag', (_s, argv, flag) => {
    try {
      loadConfig({ argv: [...base, ...argv], env: {} });
      expect.unreachable('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details.map((d) => d.path)).toEqual([flag]);
    }
  });
});

describe('agent trust flags (issue 12)', () => {
  const problems = (argv: string[]) => problemsOf(() => loadConfig({ argv, env: {} }));
  const remote = ['--server', '10.0.0.1:7443', '--name', 'zk1', '--address', '10.0.0.11'];
  it('--insecure with a non-loopback --server → refused, naming the server and the way out', () => {
    expect(problems([...remote, '--insecure'])).toEqual([
      expect.stringMatching(
        /^--insecure: refused: --server 10\.0\.0\.1:7443 is not a loopback address.*--token and --ca-sha256/,
      ),
    ]);
  });
  it('--token and --ca-sha256 (colons and case ignored) for the first contact; bad values named', () => {
    const cfg = loadConfig({
      argv: [...remote, '--token', 'hjt_abc', '--ca-sha256', 'AB:'.repeat(31) + 'CD'],
      env: {},
    });
    expect(cfg).toMatchObject({ insecure: false, token: 'hjt_abc', caSha256: 'ab'.repeat(31) + 'cd' });
    expect(problems([...remote, '--token', 'a b', '--ca-sha256', 'xyz'])).toEqual([
      '--token: is not a join token (letters, digits, "_", "-")',
      '--ca-sha256: must be a SHA-256 fingerprint: 64 hex digits (colons allowed)',
    ]);
  });
});

describe('--server with the control plane replicas (issue 15)', () => {
  const rest = ['--name', 'zk1', '--address', '10.0.0.11'];
  const problems = (server: string, ...more: string[]) =>
    problemsOf(() => loadConfig({ argv: ['--server', server, ...rest, ...more], env: {} }));
  it.each<[string, string[], Record<string, string>, string[]]>([
    ['one address, as before', ['--server', 'cp.lan:7443'], {}, ['cp.lan:7443']],
    [
      'a comma list, in the order given (spaces around entries ignored)',
      ['--server', 'a.lan:7443, b.lan:7443,[fd00::3]:7443'],
      {},
      ['a.lan:7443', 'b.lan:7443', '[fd00::3]:7443'],
    ],
    [
      "HACTL_AGENT_SERVER from the unit's environment file",
      [],
      { HACTL_AGENT_SERVER: '10.0.0.1:7443,10.0.0.2:7443' },
      ['10.0.0.1:7443', '10.0.0.2:7443'],
    ],
  ])('%s', (_s, argv, env, servers) => {
    expect(loadConfig({ argv: [...argv, ...rest], env }).servers).toEqual(servers);
  });

  it('a bad entry is named by its position and value; every bad entry is reported', () => {
    expect(problems('a.lan:7443,x:y,b.lan:99999')).toEqual([
      '--server: entry 2 "x:y": "x:y" is not HOST:PORT',
      '--server: entry 3 "b.lan:99999": port 99999 is out of range',
    ]);
  });

  it('an empty entry (a doubled or trailing comma) is named', () => {
    expect(problems('a.lan:7443,')).toEqual(['--server: entry 2 "": is empty']);
  });

  it('the same address twice (case aside) → refused, naming both entries', () => {
    expect(problems('a.lan:7443,b.lan:7443,A.LAN:7443')).toEqual([
      '--server: entry 3 "A.LAN:7443": repeats entry 1',
    ]);
  });

  it('one address keeps its old message', () => {
    expect(problems('nope')).toEqual(['--server: "nope" is not HOST:PORT']);
  });

  it('--insecure with every address on loopback → allowed', () => {
    expect(
      loadConfig({
        argv: ['--server', '127.0.0.1:7443,127.0.0.2:7443,[::1]:7443', ...rest, '--insecure'],
        env: {},
      }).servers,
    ).toHaveLength(3);
  });

  it('--insecure with one address off loopback → refused, naming it', () => {
    expect(problems('127.0.0.1:7443,10.0.0.2:7443', '--insecure')).toEqual([
      expect.stringMatching(/^--insecure: refused: --server 10\.0\.0\.2:7443 is not a loopback address;/),
    ]);
  });
});

describe('--label', () => {
  const base = ['--server', '127.0.0.1:7443', '--name', 'zk1', '--address', '127.0.0.11', '--insecure'];
  const problems = (...labels: string[]) =>
    problemsOf(() => loadConfig({ argv: [...base, ...labels.flatMap((l) => ['--label', l])], env: {} }));

  it('KEY=VALUE labels are kept; a bad one is named with the rule, every one reported', () => {
    expect(loadConfig({ argv: [...base, '--label', 'rack=r1', '--label', 'tier='], env: {} }).labels).toEqual(
      {
        rack: 'r1',
        tier: '',
      },
    );
    expect(problems('rack', 'zone=eu 1')).toEqual([
      '--label: "rack" is not KEY=VALUE',
      expect.stringMatching(/^--label: "zone=eu 1" is not a label: key \[A-Za-z0-9._\/-\]\{1,63\}/),
    ]);
  });

  it('__proto__ is refused: set on the labels object it would vanish instead of being sent', () => {
    expect(problems('__proto__=x')).toEqual([
      '--label: the label key __proto__ is reserved (a JavaScript object cannot hold it)',
    ]);
  });
});
