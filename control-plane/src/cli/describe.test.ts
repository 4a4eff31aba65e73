import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fakeIo } from './fake-io.js';
import { runCli } from './run.js';

const ZK = JSON.parse(
  readFileSync(new URL('./testdata/cluster-zk-main.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const URL_ZK = 'http://127.0.0.1:7080/v1/clusters/zk-main';

describe('hactl describe cluster', () => {
  it('header lines then the members table', async () => {
    const io = fakeIo({ [`GET ${URL_ZK}`]: { body: ZK } });
    expect(await runCli(['describe', 'cluster', 'zk-main'], io)).toBe(0);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${URL_ZK}`]);
    expect(io.out()).toBe(
      [
        'Name:      zk-main',
        'Kind:      zookeeper',
        'Revision:  3',
        'Health:    degraded',
        'Reason:    1 of 3 members not serving',
        'Members:',
        '  HOST  ID  ROLE/MODE  PROCESS  LAST-PROBE  DETAIL',
        '  zk1   1   leader     running  2s ago      -',
        '  zk2   2   follower   running  2s ago      -',
        '  zk3   3   unknown    crashed  -           exited with code 3',
        '',
      ].join('\n'),
    );
  });

  it('-o wide adds the endpoint and any member keys the server adds', async () => {
    const io = fakeIo({ [`GET ${URL_ZK}`]: { body: ZK } });
    expect(await runCli(['describe', 'cluster', 'zk-main', '-o', 'wide'], io)).toBe(0);
    expect(io.out().split('\n').slice(6)).toEqual([
      '  HOST  ID  ADDRESS          ROLE/MODE  PROCESS  LAST-PROBE  DETAIL              SYNCED-FOLLOWERS',
      '  zk1   1   127.0.0.11:2181  leader     running  2s ago      -                   -',
      '  zk2   2   127.0.0.12:2181  follower   running  2s ago      -                   1',
      '  zk3   3   -                unknown    crashed  -           exited with code 3  -',
      '',
    ]);
  });

  it('role and mode both shown when the server sends a role (other kinds)', async () => {
    const body = {
      name: 'storm-main',
      kind: 'storm',
      revision: 1,
      spec: {},
      status: {
        health: 'healthy',
        members: [
          { host: 's1', id: 'nimbus-1', role: 'nimbus', mode: 'active', process: 'running', lastProbe: null },
        ],
      },
    };
    const io = fakeIo({ ['GET http://127.0.0.1:7080/v1/clusters/storm-main']: { body } });
    expect(await runCli(['describe', 'cluster', 'storm-main'], io)).toBe(0);
    expect(io.out()).toBe(
      [
        'Name:      storm-main',
        'Kind:      storm',
        'Revision:  1',
        'Health:    healthy',
        'Members:',
        '  HOST  ID        ROLE/MODE      PROCESS  LAST-PROBE  DETAIL',
        '  s1    nimbus-1  nimbus/active  running  never       -',
        '',
      ].join('\n'),
    );
  });

  it('no members → "<none>"', async () => {
    const body = {
      name: 'x',
      kind: 'zookeeper',
      revision: 1,
      spec: {},
      status: { health: 'pending', members: [] },
    };
    const io = fakeIo({ ['GET http://127.0.0.1:7080/v1/clusters/x']: { body } });
    expect(await runCli(['describe', 'cluster', 'x'], io)).toBe(0);
    expect(io.out()).toBe(
      'Name:      x\nKind:      zookeeper\nRevision:  1\nHealth:    pending\nMembers:  <none>\n',
    );
  });

  it('-o json and -o yaml print the raw response', async () => {
    const j = fakeIo({ [`GET ${URL_ZK}`]: { body: ZK } });
    expect(await runCli(['describe', 'cluster', 'zk-main', '-o', 'json'], j)).toBe(0);
    expect(j.out()).toBe(JSON.stringify(ZK, null, 2) + '\n');
    const y = fakeIo({ [`GET ${URL_ZK}`]: { body: ZK } });
    expect(await runCli(['describe', 'cluster', 'zk-main', '-o', 'yaml'], y)).toBe(0);
    expect(parseYaml(y.out())).toEqual(ZK);
  });

  it('the name is URL-encoded into the path', async () => {
    const io = fakeIo();
    await runCli(['describe', 'cluster', 'a/b c'], io);
    expect(io.requests[0]?.url).toBe('http://127.0.0.1:7080/v1/clusters/a%2Fb%20c');
  });

  it('404 → server message, exit 1', async () => {
    const io = fakeIo({
      ['GET http://127.0.0.1:7080/v1/clusters/nope']: {
        status: 404,
        body: { error: { code: 'not_found', message: 'cluster "nope" not found' } },
      },
    });
    expect(await runCli(['describe', 'cluster', 'nope'], io)).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('error: cluster "nope" not found\n');
  });

  it('missing NAME → usage error, exit 2, nothing sent', async () => {
    const io = fakeIo();
    expect(await runCli(['describe', 'cluster'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toContain("error: missing required argument 'name'");
  });
});

describe('hactl delete cluster', () => {
  const answer = {
    name: 'zk-main',
    instances: [{ instance: 'zk-main/zk-1', host: 'zk1', dirs: ['/d/zk/1/data', '/d/zk/1/logs'] }],
  };

  it('--yes sends DELETE and says what stays on disk', async () => {
    const io = fakeIo({ [`DELETE ${URL_ZK}`]: { body: { ...answer, deleted: true } } });
    expect(await runCli(['delete', 'cluster', 'zk-main', '--yes'], io)).toBe(0);
    expect(io.requests).toEqual([
      { method: 'DELETE', url: URL_ZK, headers: { accept: 'application/json', 'x-hactl-author': 'hactl' } },
    ]);
    expect(io.out()).toBe(
      [
        'cluster/zk-main deleted: 1 member(s) stopped',
        '  zk-main/zk-1 on zk1',
        'Their data stays on disk (hactl never deletes it; remove it by hand once it is not needed):',
        '  zk1:/d/zk/1/data',
        '  zk1:/d/zk/1/logs',
        '',
      ].join('\n'),
    );
  });

  it('without --yes → only the preview (DELETE ?dryRun=true), exit 2 asking for --yes', async () => {
    const io = fakeIo({
      [`DELETE ${URL_ZK}?dryRun=true`]: { body: { ...answer, deleted: false, dryRun: true } },
    });
    expect(await runCli(['delete', 'cluster', 'zk-main'], io)).toBe(2);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE ${URL_ZK}?dryRun=true`]);
    expect(io.out()).toContain('deleting it stops 1 member(s)');
    expect(io.err()).toBe(
      'error: not deleted: add --yes to delete cluster/zk-main (or --dry-run to only show this)\n',
    );
  });

  it('--dry-run → the preview, exit 0', async () => {
    const io = fakeIo({
      [`DELETE ${URL_ZK}?dryRun=true`]: { body: { ...answer, deleted: false, dryRun: true } },
    });
    expect(await runCli(['delete', 'cluster', 'zk-main', '--dry-run'], io)).toBe(0);
    expect(io.out()).toContain('  zk1:/d/zk/1/data');
    expect(io.err()).toBe('dry run: nothing was deleted\n');
  });

  it('server refuses → exit 1', async () => {
    const io = fakeIo({
      [`DELETE ${URL_ZK}`]: {
        status: 409,
        body: { error: { code: 'conflict', message: 'cluster "zk-main" is referenced by kafka-main' } },
      },
    });
    expect(await runCli(['delete', 'cluster', 'zk-main', '--yes'], io)).toBe(1);
    expect(io.err()).toBe('error: cluster "zk-main" is referenced by kafka-main\n');
  });

  it('a member down after an unexpected exit → its exit code, time and the end of its log, escaped', async () => {
    const members = (ZK.status as { members: Record<string, unknown>[] }).members.map((m) =>
      m.host === 'zk3'
        ? {
            ...m,
            instance: 'zk-main/zk-3',
            failure: {
              exitCode: 2,
              signal: null,
              exitedAt: '2027-01-15T08:00:00.000Z',
              logFile: '/d/zk/3/logs/zookeeper.log',
              logTail: [
                'ConfigException: Unrecognised peertype: banana',
                'Invalid config, exiting abnormally\u001b[0m',
              ],
            },
          }
        : m,
    );
    const body = { ...ZK, status: { ...(ZK.status as object), members } };
    const io = fakeIo({ [`GET ${URL_ZK}`]: { body } });
    expect(await runCli(['describe', 'cluster', 'zk-main'], io)).toBe(0);
    expect(io.out().split('\n').slice(-5)).toEqual([
      'Failures:',
      '  zk3 (zk-main/zk-3): exit code 2 at 2027-01-15T08:00:00.000Z; last 2 lines of /d/zk/3/logs/zookeeper.log:',
      '    ConfigException: Unrecognised peertype: banana',
      '    Invalid config, exiting abnormally\\x1b[0m',
      '',
    ]);
  });
});
