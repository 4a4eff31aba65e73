import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fakeIo } from './fake-io.js';
import { runCli } from './run.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));
const HOSTS = fixture('hosts.json');
const CLUSTERS = fixture('clusters.json');
const BASE = 'http://127.0.0.1:7080';

describe('hactl get hosts', () => {
  it('table: sorted by name, relative last-seen, applied/desired generation', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts'], io)).toBe(0);
    expect(io.requests).toEqual([
      { method: 'GET', url: `${BASE}/v1/hosts`, headers: { accept: 'application/json' } },
    ]);
    expect(io.out()).toBe(
      [
        'NAME  ADDRESS     CONNECTED  LAST-SEEN  GEN  INSTANCES',
        'zk1   127.0.0.11  true       3s ago     4/4  1',
        'zk2   127.0.0.12  false      5m ago     3/4  1',
        'zk3   127.0.0.13  false      never      0/0  0',
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe('');
  });

  it('named hosts only; -o json keeps their raw items', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts', 'zk3', 'zk1'], io)).toBe(0);
    expect(
      io
        .out()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['NAME', 'zk1', 'zk3', '']);
    const json = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'host', 'zk2', '-o', 'json'], json)).toBe(0);
    const raw = (HOSTS as { hosts: { name: string }[] }).hosts.filter((h) => h.name === 'zk2');
    expect(JSON.parse(json.out())).toEqual({ hosts: raw });
  });

  it('a name that is not there: exit 1, saying which exist', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts', 'zk1', 'zk9'], io)).toBe(1);
    expect(io.err()).toBe('error: host "zk9" not found; there are zk1, zk2, zk3\n');
    expect(io.out()).toBe('');
  });

  it('an agent that refused its desired state says why under the table (issue 16 #6)', async () => {
    const hosts = structuredClone(HOSTS) as { hosts: { name: string; applyError?: string }[] };
    hosts.hosts.find((h) => h.name === 'zk2')!.applyError =
      'refused the desired state of control plane NEW: this agent belongs to control plane OLD';
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: hosts } });
    expect(await runCli(['get', 'hosts'], io)).toBe(0);
    expect(io.out().split('\n').slice(-3)).toEqual([
      '',
      'zk2: refused the desired state of control plane NEW: this agent belongs to control plane OLD',
      '',
    ]);
  });

  it('-o wide adds id and facts', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts', '-o', 'wide'], io)).toBe(0);
    expect(io.out().split('\n')).toEqual([
      'NAME  ADDRESS     CONNECTED  LAST-SEEN  GEN  INSTANCES  ID   OS     CPUS  MEMORY  AGENT  JAVA',
      'zk1   127.0.0.11  true       3s ago     4/4  1          h-1  linux  4     8.0GiB  0.1.0  17.0.9',
      'zk2   127.0.0.12  false      5m ago     3/4  1          h-2  linux  2     4.0GiB  0.1.0  -',
      'zk3   127.0.0.13  false      never      0/0  0          h-3  -      -     -       -      -',
      '',
    ]);
  });

  it('-o json prints the raw response, pretty with 2 spaces', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts', '-o', 'json'], io)).toBe(0);
    expect(io.out()).toBe(JSON.stringify(HOSTS, null, 2) + '\n');
  });

  it('-o yaml prints the raw response as YAML', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } });
    expect(await runCli(['get', 'hosts', '--output', 'yaml'], io)).toBe(0);
    expect(parseYaml(io.out())).toEqual(HOSTS);
    expect(io.out()).toMatch(/^hosts:\n {2}- id: h-2\n/);
  });

  it('no hosts → message on stderr, nothing on stdout, exit 0', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: { hosts: [] } } });
    expect(await runCli(['get', 'hosts'], io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('No hosts found.\n');
  });

  it('a body without a hosts list is an error, not an empty table', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: { items: [] } } });
    expect(await runCli(['get', 'hosts'], io)).toBe(1);
    expect(io.err()).toBe(
      'error: unexpected response from the control plane: expected an object with a "hosts" list\n',
    );
  });

  it('colour only on a TTY, and never with NO_COLOR', async () => {
    const tty = fakeIo({ [`GET ${BASE}/v1/hosts`]: { body: HOSTS } }, { isTty: true });
    await runCli(['get', 'hosts'], tty);
    expect(tty.out()).toContain('\u001b[32mtrue\u001b[39m');
    const noColor = fakeIo(
      { [`GET ${BASE}/v1/hosts`]: { body: HOSTS } },
      { isTty: true, env: { NO_COLOR: '1' } },
    );
    await runCli(['get', 'hosts'], noColor);
    expect(noColor.out()).not.toContain('\u001b');
  });
});

describe('hactl get clusters', () => {
  it('get cluster NAME: that cluster only; an unknown one → exit 1', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/clusters`]: { body: CLUSTERS } });
    expect(await runCli(['get', 'cluster', 'zk-main'], io)).toBe(0);
    expect(
      io
        .out()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['NAME', 'zk-main', '']);
    const missing = fakeIo({ [`GET ${BASE}/v1/clusters`]: { body: CLUSTERS } });
    expect(await runCli(['get', 'cluster', 'nope-main'], missing)).toBe(1);
    expect(missing.err()).toBe('error: cluster "nope-main" not found; there are kafka-main, zk-main\n');
  });

  it('table: sorted by name, ready/members, the rollout under way, updated age', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/clusters`]: { body: CLUSTERS } });
    expect(await runCli(['get', 'clusters'], io)).toBe(0);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${BASE}/v1/clusters`]);
    expect(io.out()).toBe(
      [
        'NAME        KIND       REVISION  HEALTH    READY  ROLLOUT      UPDATED',
        'kafka-main  kafka      1         pending   0/3    -            3h ago',
        'zk-main     zookeeper  3         degraded  2/3    ab12 paused  2m ago',
        '',
      ].join('\n'),
    );
  });

  it('"get cluster" is an alias; -o json is raw', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/clusters`]: { body: CLUSTERS } });
    expect(await runCli(['get', 'cluster', '-o', 'json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual(CLUSTERS);
  });

  it('no clusters → message on stderr', async () => {
    const io = fakeIo({ [`GET ${BASE}/v1/clusters`]: { body: { clusters: [] } } });
    expect(await runCli(['get', 'clusters'], io)).toBe(0);
    expect(io.err()).toBe('No clusters found.\n');
  });
});
