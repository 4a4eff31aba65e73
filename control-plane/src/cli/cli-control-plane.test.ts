/**
 * hactl against the real control plane (core, SQLite store, REST app in-process; agents are
 * sessions that report and answer as agents do). Each scenario checks what the CLI says and exits
 * with against what the control plane actually stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRealControlPlane, zkMember, type RealControlPlane } from './real-cp.js';

let cp: RealControlPlane;
let dir: string;

const zkSpec = (o: { tickTime?: number; home?: string } = {}) =>
  [
    'name: zk-main',
    'kind: zookeeper',
    `distribution: { home: ${o.home ?? '/usr/share/zookeeper'} }`,
    `settings: { tickTime: ${o.tickTime ?? 2000} }`,
    'members:',
    '  - { host: zk1, id: 1 }',
    '  - { host: zk2, id: 2 }',
    '  - { host: zk3, id: 3 }',
    '',
  ].join('\n');

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const pids: Record<string, number> = { 'zk-main/zk-1': 101, 'zk-main/zk-2': 102, 'zk-main/zk-3': 103 };

/** Every member running and serving, zk-2 the leader; `extra` overrides one member's report. */
function reportHealthy(extra: Record<string, Parameters<typeof zkMember>[4]> = {}): void {
  for (const [host, id, mode] of [
    ['zk1', 'zk-main/zk-1', 'follower'],
    ['zk2', 'zk-main/zk-2', 'leader'],
    ['zk3', 'zk-main/zk-3', 'follower'],
  ] as const) {
    cp.report(host, [zkMember(id, pids[id]!, mode, cp.clock.now, extra[id])]);
  }
}

/** rev 1 applied and healthy. */
async function established(): Promise<void> {
  const r = await cp.hactl('apply', '-f', file('zk.yaml', zkSpec()), '-m', 'first ensemble');
  expect(r, r.err).toMatchObject({ code: 0 });
  reportHealthy();
  expect(cp.core.fleet.clusterStatus('zk-main').status.health).toBe('healthy');
}

const revision = () => cp.store.getCluster('zk-main')?.current_revision;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-cli-specs-'));
  cp = startRealControlPlane();
  cp.connect('zk1', '127.0.0.11');
  cp.connect('zk2', '127.0.0.12', '0.2.0');
  cp.connect('zk3', '127.0.0.13');
});

afterEach(() => {
  cp.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('every verb does all it says or nothing (issue 17 #2)', () => {
  it('rollback during a running rollout → exit 1 naming the rollout; no revision stored, the rollout keeps its revision', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('zk2.yaml', zkSpec({ tickTime: 500 })));
    expect(change.code).toBe(0);
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    expect(revision()).toBe(2);

    const r = await cp.hactl('rollback', 'zk-main', '--to', '1');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: cluster zk-main has rollout ${rollout} (running); nothing was stored. Wait for it to finish (hactl rollout status ${rollout} -w) or abort it first (hactl rollout abort ${rollout})\n`,
    );
    expect(revision()).toBe(2);
    expect(cp.core.fleet.listRevisions('zk-main').map((x) => x.revision)).toEqual([1, 2]);
    expect(cp.core.rollouts.view(rollout)).toMatchObject({ state: 'running', revision: 2 });
  });

  it('apply, --no-rollout and delete during a running rollout are refused the same way, changing nothing', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('zk2.yaml', zkSpec({ tickTime: 500 })));
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    const desired = cp.store.listHostDesired();
    for (const argv of [
      ['apply', '-f', file('zk3.yaml', zkSpec({ tickTime: 700 }))],
      ['apply', '-f', file('zk3.yaml', zkSpec({ tickTime: 700 })), '--no-rollout'],
      ['delete', 'cluster', 'zk-main', '--yes'],
    ]) {
      const r = await cp.hactl(...argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 1]);
      expect(r.err).toContain(`has rollout ${rollout} (running)`);
    }
    expect(revision()).toBe(2);
    expect(cp.store.listHostDesired()).toEqual(desired);
  });
});

describe('apply checks every document before anything is stored (issue 17 #3)', () => {
  const standalone = (name: string, host: string, extra = '') =>
    `name: ${name}\nkind: zookeeper\ndistribution: { home: /usr/share/zookeeper }\nmembers:\n  - { host: ${host}, id: 1${extra} }\n`;

  it('third document invalid → exit 2, each of its problems named by file and document, nothing stored', async () => {
    const all = file(
      'all.yaml',
      [
        standalone('zk-a', 'zk1'),
        standalone('zk-b', 'zk2'),
        standalone('zk-c', 'nope', ', clientPort: 99999'),
      ].join('---\n'),
    );
    const r = await cp.hactl('apply', '-f', all);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      [
        'error: 1 of 3 cluster specs cannot be applied; nothing was stored',
        `  ${all}:17 (document 3): members[0].clientPort: must be between 1 and 65535`,
        '',
      ].join('\n'),
    );
    expect(cp.core.fleet.listClusters()).toEqual([]);
    expect(cp.store.listHostDesired().every((d) => JSON.parse(d.state_json).instances.length === 0)).toBe(
      true,
    );
  });

  it('--dry-run reports every invalid document, not only the first, and stores nothing', async () => {
    const all = file(
      'all.yaml',
      [
        standalone('zk-a', 'zk1'),
        standalone('zk-b', 'nope'),
        standalone('zk-c', 'zk3', ', clientPort: 0'),
      ].join('---\n'),
    );
    const r = await cp.hactl('apply', '-f', all, '--dry-run');
    expect(r.code).toBe(2);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe('error: 2 of 3 cluster specs cannot be applied; nothing was stored');
    expect(
      lines
        .slice(1)
        .filter(Boolean)
        .map((l) => l.replace(all, 'all.yaml')),
    ).toEqual([
      '  all.yaml:11 (document 2): members[0].host: unknown host "nope" (no agent registered with that name or id)',
      '  all.yaml:17 (document 3): members[0].clientPort: must be between 1 and 65535',
    ]);
    expect(cp.core.fleet.listClusters()).toEqual([]);
  });

  it('one document: its problems also get their file and line', async () => {
    const one = file('one.yaml', standalone('zk-c', 'zk3', ', clientPort: 99999'));
    const r = await cp.hactl('apply', '-f', one);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      [
        'error: 1 of 1 cluster specs cannot be applied; nothing was stored',
        `  ${one}:5 (document 1): members[0].clientPort: must be between 1 and 65535`,
        '',
      ].join('\n'),
    );
  });

  it('a later document may use an earlier one (checked in order); all are stored together', async () => {
    const all = file('all.yaml', [standalone('zk-a', 'zk1'), standalone('zk-b', 'zk2')].join('---\n'));
    const r = await cp.hactl('apply', '-f', all);
    expect(r).toMatchObject({
      code: 0,
      out: 'cluster/zk-a configured (revision 1)\ncluster/zk-b configured (revision 1)\n',
    });
    expect(cp.core.fleet.listClusters().map((c) => c.name)).toEqual(['zk-a', 'zk-b']);
  });
});

describe('an upgrade onto a missing distribution (issue 17 #1)', () => {
  it('--dry-run shows the distribution change and what each host has; a host without it is a warning; nothing stored', async () => {
    await established();
    const answers: Record<string, { ok: boolean; output: string; error: string }> = {
      zk1: { ok: true, output: JSON.stringify({ ok: true, packageMissing: false, problems: [] }), error: '' },
      zk2: {
        ok: true,
        output: JSON.stringify({
          ok: false,
          packageMissing: false,
          problems: ['/opt/zk-3.9/bin/zkServer.sh does not exist'],
        }),
        error: '',
      },
      zk3: { ok: false, output: '', error: 'unsupported action "check-distribution"' },
    };
    for (const [host, a] of Object.entries(answers))
      cp.agents.get(host)!.onCommand = (cmd) => (cmd.action === 'check-distribution' ? a : undefined);

    const r = await cp.hactl('apply', '-f', file('up.yaml', zkSpec({ home: '/opt/zk-3.9' })), '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      '  update zk-main/zk-1 on zk1 (restart needed)\n    distribution: /usr/share/zookeeper → /opt/zk-3.9 (zk1: present)\n',
    );
    expect(r.out).toContain(
      '    distribution: /usr/share/zookeeper → /opt/zk-3.9 (zk2: /opt/zk-3.9/bin/zkServer.sh does not exist)\n',
    );
    expect(r.out).toContain(
      '    distribution: /usr/share/zookeeper → /opt/zk-3.9 (zk3: not checked: unsupported action "check-distribution")\n',
    );
    expect(r.out).toContain(
      '  warning: zk2 cannot start zk-main/zk-2 on /opt/zk-3.9: /opt/zk-3.9/bin/zkServer.sh does not exist; ' +
        'its rollout step would fail and leave it running /usr/share/zookeeper; ' +
        'install the distribution first or fix the spec\n',
    );
    expect(r.err).toContain('2 warning(s)');
    // The agents were asked with the planned inputs of their own member.
    const asked = cp.agents.get('zk2')!.commands.find((c) => c.action === 'check-distribution')!;
    expect(asked.instanceId).toBe('zk-main/zk-2');
    expect(asked.args[0]).toBe('zookeeper');
    expect(JSON.parse(asked.args[1]!)).toMatchObject({ myid: 2, home: '/opt/zk-3.9' });
    expect(revision()).toBe(1);
  });

  it('an agent that refuses the step (distribution missing) pauses the rollout at once with its reason; resume asks again under a new command id', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('up.yaml', zkSpec({ home: '/opt/zk-3.9' })));
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    const first = cp.agents.get('zk1')!.commands.at(-1)!;
    expect(first).toMatchObject({ id: `${rollout}.0`, action: 'restart', args: ['if-pending'] });
    cp.answer('zk1', first.id, {
      ok: false,
      output: '',
      error: 'not restarted, the running process was left alone: /opt/zk-3.9/bin/zkServer.sh does not exist',
    });

    const st = await cp.hactl('rollout', 'status', rollout);
    expect(st.out).toContain(
      `State:    paused — step 0 (zk-main/zk-1) failed: not restarted, the running process was left alone: /opt/zk-3.9/bin/zkServer.sh does not exist`,
    );
    expect(st.out).toMatch(/1\s+zk1\s+zk-main\/zk-1\s+failed\s+.*agent: not restarted/);
    const w = await cp.hactl('rollout', 'status', rollout, '-w');
    expect(w.code).toBe(1);
    const described = await cp.hactl('describe', 'cluster', 'zk-main');
    expect(described.out).toContain(
      `Hint:      rollout ${rollout} is paused (step 0 (zk-main/zk-1) failed: ` +
        `not restarted, the running process was left alone: /opt/zk-3.9/bin/zkServer.sh does not exist): ` +
        `continue with \`hactl rollout resume ${rollout}\` or stop it with \`hactl rollout abort ${rollout}\``,
    );

    expect((await cp.hactl('rollout', 'resume', rollout)).code).toBe(0);
    expect(cp.agents.get('zk1')!.commands.at(-1)).toMatchObject({ id: `${rollout}.0.2`, action: 'restart' });
  });
});

describe('causes are shown (issue 17 #6)', () => {
  it('get clusters -o wide adds the reason; hints follow the table', async () => {
    await established();
    reportHealthy({
      'zk-main/zk-3': {
        process: 'crashed',
        pid: 0,
        probeAt: 0,
        probe: undefined,
        detail: 'exited with code 1',
      },
    });
    const plain = await cp.hactl('get', 'clusters');
    expect(plain.out.split('\n')[0]).toMatch(/^NAME\s+KIND\s+REVISION\s+HEALTH\s+READY\s+ROLLOUT\s+UPDATED$/);
    const wide = await cp.hactl('get', 'clusters', '-o', 'wide');
    expect(wide.out.split('\n')[0]).toMatch(
      /^NAME\s+KIND\s+REVISION\s+HEALTH\s+READY\s+ROLLOUT\s+UPDATED\s+REASON$/,
    );
    expect(wide.out.split('\n')[1]).toMatch(
      /zk-main\s+zookeeper\s+1\s+degraded\s+2\/3\s+-\s+\S+ ago\s+leader 2, 2\/3 members serving/,
    );
    // Hints go to stderr: the table on stdout is rows only.
    expect(wide.out).not.toContain('hint:');
    expect(wide.err).toContain(
      'hint: zk-main: zk3 crashed: its cause is in its log, `hactl logs zk-main zk3`',
    );
  });

  it('describe shows why a member crashed (from its log) and where each member logs', async () => {
    await established();
    const cause =
      'crash loop: 6 exits within 300000 ms (limit 5); ' +
      'last exited with code 1 after 812 ms; retrying every 30000 ms; ' +
      'cause (/d/zookeeper/zk-main/3/logs/zookeeper.log): 2025-01-01 12:00:00,000 [myid:3] - ' +
      'ERROR [main:QuorumPeerMain@114] - Unexpected exception, exiting abnormally java.net.BindException: Address already in use';
    reportHealthy({
      'zk-main/zk-3': { process: 'crashed', pid: 0, probeAt: 0, probe: undefined, detail: cause },
    });
    const r = await cp.hactl('describe', 'cluster', 'zk-main');
    expect(r.out).toContain('java.net.BindException: Address already in use');
    expect(r.out).toContain(
      [
        'Logs:',
        '  zk1: /d/zookeeper/zk-main/1/logs/zookeeper.log, /d/zookeeper/zk-main/1/logs/zookeeper.out',
        '  zk2: /d/zookeeper/zk-main/2/logs/zookeeper.log, /d/zookeeper/zk-main/2/logs/zookeeper.out',
      ].join('\n'),
    );
  });

  it('rollout status -w names the phase: lease wait with gates, then the leader restarting as the planned last step, then crash-looping — never "waiting for waiting"', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('zk2.yaml', zkSpec({ tickTime: 500 })));
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    // Followers first: finish zk-1 and zk-3 as their agents would.
    for (const host of ['zk1', 'zk3']) {
      const cmd = cp.agents.get(host)!.commands.at(-1)!;
      cp.answer(host, cmd.id, { ok: true, output: 'restarted (pid 1 → 2), ready in 900 ms', error: '' });
    }
    // The leader's turn: while a follower is still out of sync the gates hold it.
    reportHealthy({
      'zk-main/zk-2': { probe: { ok: true, serving: true, mode: 'leader', syncedFollowers: 1 } },
    });
    let st = await cp.hactl('rollout', 'status', rollout);
    expect(st.out).toContain(
      'Current:  zk-main/zk-2: waiting for the restart lease: cluster-healthy: cluster is degraded: leader 2, 3/3 members serving, 1/2 followers synced',
    );
    expect(st.out).toContain('          WAIT cluster-healthy: cluster is degraded');
    reportHealthy();
    expect(cp.core.leases.acquire('zk2', 'zk-main/zk-2', 'test').granted).toBe(true);
    // The leader is down on purpose: followers lost their leader.
    cp.report('zk1', [
      zkMember('zk-main/zk-1', 101, 'follower', cp.clock.now, {
        probe: { ok: true, serving: false, mode: 'follower' },
      }),
    ]);
    cp.report('zk3', [
      zkMember('zk-main/zk-3', 103, 'follower', cp.clock.now, {
        probe: { ok: true, serving: false, mode: 'follower' },
      }),
    ]);
    cp.report('zk2', [
      zkMember('zk-main/zk-2', 0, 'leader', cp.clock.now, {
        process: 'starting',
        probeAt: 0,
        probe: undefined,
      }),
    ]);
    st = await cp.hactl('rollout', 'status', rollout);
    expect(st.out).toContain(
      'Current:  zk-main/zk-2: restarting under its lease (process starting); ' +
        'the cluster is down while its leader restarts: the planned step of leader last',
    );
    expect(st.out).not.toContain('WAIT');
    expect(st.out).not.toMatch(/waiting for (the restart lease|waiting)/);
    cp.report('zk2', [
      zkMember('zk-main/zk-2', 0, 'leader', cp.clock.now, {
        process: 'crashed',
        probeAt: 0,
        probe: undefined,
        detail: 'exited with code 127 after 40 ms',
      }),
    ]);
    st = await cp.hactl('rollout', 'status', rollout);
    expect(st.out).toContain(
      'Current:  zk-main/zk-2: restarted under its lease but crashing: exited with code 127 after 40 ms',
    );
    // Numbered by its place in the plan: zk-2 is the second member (taken last all the same).
    expect(st.out).toMatch(
      /2\s+zk2\s+zk-main\/zk-2\s+requested\s+\S+\s+restarted under its lease but crashing/,
    );
  });
});

describe('restart pending never lingers without a way out (issue 17 #7)', () => {
  it('after an abort: describe and get clusters say which members and what to run', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('zk2.yaml', zkSpec({ tickTime: 500 })));
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    // The rollout under way is in the clusters table, and gone from it once aborted.
    expect((await cp.hactl('get', 'clusters')).out).toMatch(new RegExp(`zk-main .* ${rollout} running `));
    expect((await cp.hactl('rollout', 'abort', rollout)).code).toBe(0);
    reportHealthy(Object.fromEntries(Object.keys(pids).map((id) => [id, { restartPending: true }])));
    const d = await cp.hactl('describe', 'cluster', 'zk-main');
    expect(d.out).toContain(
      'Hint:      3 member(s) run an older config than revision 2 (restart pending on zk1, zk2, zk3): restart them one at a time, under the gates, with `hactl rollout start zk-main --action apply`',
    );
    const g = await cp.hactl('get', 'clusters');
    expect(g.err).toContain('hint: zk-main: 3 member(s) run an older config');
    expect(g.out).not.toContain(rollout);
    expect(g.out.split('\n')[1]).toMatch(/^zk-main\s+zookeeper\s+2\s+\S+\s+\d+\/3\s+-\s+/);
  });

  it('a rollback after an aborted rollout covers the crashed member too, and asks agents to restart only members not on the current config', async () => {
    await established();
    const change = await cp.hactl('apply', '-f', file('zk2.yaml', zkSpec({ home: '/opt/zk-broken' })));
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    const first = cp.agents.get('zk1')!.commands.at(-1)!;
    cp.answer('zk1', first.id, { ok: true, output: 'restarted', error: '' });
    // zk-1 now crash-loops on the broken distribution; zk-3 and zk-2 never got there.
    reportHealthy({
      'zk-main/zk-1': {
        process: 'crashed',
        pid: 0,
        probeAt: 0,
        probe: undefined,
        detail: 'spawn failed: spawn /opt/zk-broken/bin/zkServer.sh ENOENT',
      },
      'zk-main/zk-2': { restartPending: true },
      'zk-main/zk-3': { restartPending: true },
    });
    expect((await cp.hactl('rollout', 'abort', rollout)).code).toBe(0);

    const r = await cp.hactl('rollback', 'zk-main', '--to', '1', '-m', 'broken distribution');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^cluster\/zk-main rolled back to revision 1 as revision 3\nrollout\/\w+: /);
    const back = cp.core.rollouts.list('zk-main').find((x) => x.id !== rollout)!;
    expect(back.steps.map((s) => s.instance).sort()).toEqual([
      'zk-main/zk-1',
      'zk-main/zk-2',
      'zk-main/zk-3',
    ]);
    const sent = [...cp.agents.values()].flatMap((a) => a.commands).filter((c) => c.id.startsWith(back.id));
    expect(sent.length).toBeGreaterThan(0);
    for (const c of sent) expect(c.args).toEqual(['if-pending']);
    expect(cp.core.fleet.listRevisions('zk-main').at(-1)).toMatchObject({
      revision: 3,
      message: 'rollback to revision 1: broken distribution',
    });
  });
});

describe("an apply's and a rollback's rollout options", () => {
  const optionsOf = (id: string) =>
    JSON.parse(cp.store.getRollout(id)!.options_json) as Record<string, unknown>;

  it('hactl apply and hactl rollback store --gate-timeout, --on-gate-timeout and --pause-between; a rollback refuses to roll back again', async () => {
    await established();
    const change = await cp.hactl(
      'apply',
      '-f',
      file('zk2.yaml', zkSpec({ home: '/opt/zk-next' })),
      '--gate-timeout',
      '30',
      '--on-gate-timeout',
      'rollback',
      '--pause-between',
      '4',
    );
    expect(change.code, change.err).toBe(0);
    const rollout = /rollout\/(\w+):/.exec(change.out)![1]!;
    expect(optionsOf(rollout)).toMatchObject({
      gateTimeoutSec: 30,
      onGateTimeout: 'rollback',
      pauseBetweenSec: 4,
    });
    expect((await cp.hactl('rollout', 'abort', rollout)).code).toBe(0);

    const again = await cp.hactl('rollback', 'zk-main', '--to', '1', '--on-gate-timeout', 'rollback');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--on-gate-timeout.*rollback.*(pause|choices)/s);
    expect(cp.core.fleet.listRevisions('zk-main')).toHaveLength(2);

    const r = await cp.hactl(
      'rollback',
      'zk-main',
      '--to',
      '1',
      '--gate-timeout',
      '45',
      '--on-gate-timeout',
      'abort',
    );
    expect(r.code, r.err).toBe(0);
    const back = cp.core.rollouts.list('zk-main').find((x) => x.id !== rollout)!;
    expect(optionsOf(back.id)).toMatchObject({
      gateTimeoutSec: 45,
      onGateTimeout: 'abort',
      pauseBetweenSec: 0,
    });
  });
});

describe('smaller CLI fixes (issue 17 #8)', () => {
  it('delete cluster: no --yes → preview and exit 2, nothing deleted; --dry-run → exit 0; --yes → deleted, data named as left on disk', async () => {
    await established();
    const no = await cp.hactl('delete', 'cluster', 'zk-main');
    expect(no.code).toBe(2);
    expect(no.out).toContain('cluster/zk-main: deleting it stops 3 member(s)');
    expect(no.out).toContain('  zk1:/d/zookeeper/zk-main/1/data');
    expect(cp.store.getCluster('zk-main')).toBeDefined();
    const dry = await cp.hactl('delete', 'cluster', 'zk-main', '--dry-run');
    expect(dry).toMatchObject({ code: 0, err: 'dry run: nothing was deleted\n' });
    expect(cp.store.getCluster('zk-main')).toBeDefined();
    const yes = await cp.hactl('delete', 'cluster', 'zk-main', '--yes');
    expect(yes.code).toBe(0);
    expect(yes.out).toContain('cluster/zk-main deleted: 3 member(s) stopped');
    expect(yes.out).toContain('Their data stays on disk');
    expect(yes.out).toContain('  zk3:/d/zookeeper/zk-main/3/logs');
    expect(cp.store.getCluster('zk-main')).toBeUndefined();
  });

  it('exit codes: an invalid spec is 2, an unknown cluster is 1', async () => {
    expect(
      (await cp.hactl('apply', '-f', file('bad.yaml', 'name: zk-x\nkind: zookeeper\nmembers: []\n'))).code,
    ).toBe(2);
    expect((await cp.hactl('describe', 'cluster', 'nope')).code).toBe(1);
    expect((await cp.hactl('rollback', 'nope', '--to', '1')).code).toBe(1);
  });

  it('get hosts -o wide shows each agent version', async () => {
    const r = await cp.hactl('get', 'hosts', '-o', 'wide');
    expect(r.out.split('\n')[0]).toMatch(/\bAGENT\s+JAVA$/);
    expect(r.out).toMatch(/zk1 .*\b0\.1\.0\s+17\.0\.15\n/);
    expect(r.out).toMatch(/zk2 .*\b0\.2\.0\s+17\.0\.15\n/);
  });

  it('--message is stored with the revision and shown by history; the author is the local user', async () => {
    await established();
    const h = await cp.hactl('history', 'zk-main');
    expect(h.out).toMatch(/1\s+\S+\s+tester \(hactl\)\s+first ensemble/);
  });

  /** zk3's agent answers a logs query with `text` from its zookeeper.log. */
  const zk3Logs = (text: string): void => {
    cp.agents.get('zk3')!.onCommand = (cmd) =>
      cmd.action === 'logs'
        ? {
            ok: true,
            output: JSON.stringify({ file: '/d/zookeeper/zk-main/3/logs/zookeeper.log', files: [], text }),
            error: '',
          }
        : undefined;
  };

  it("logs: asks the member's agent for the tail of its own log and prints it", async () => {
    await established();
    zk3Logs('a\nb - INFO  [QuorumPeer] - FOLLOWING\n\tat org.apache.zookeeper.Foo(Foo.java:1)');
    const r = await cp.hactl('logs', 'zk-main', 'zk3', '-n', '3');
    expect(r).toMatchObject({
      code: 0,
      // A stack frame keeps its tab; other control characters would be shown escaped.
      out: 'a\nb - INFO  [QuorumPeer] - FOLLOWING\n\tat org.apache.zookeeper.Foo(Foo.java:1)\n',
      err: '==> zk3:/d/zookeeper/zk-main/3/logs/zookeeper.log (zk-main/zk-3) <==\n',
    });
    expect(cp.agents.get('zk3')!.commands.at(-1)).toMatchObject({
      instanceId: 'zk-main/zk-3',
      action: 'logs',
      args: ['service', '3'],
    });
    // --tail N without -f asks for the last N lines, as -n does; --since needs -f.
    expect((await cp.hactl('logs', 'zk-main/zk-3', '--tail', '5')).code).toBe(0);
    expect(cp.agents.get('zk3')!.commands.at(-1)).toMatchObject({ args: ['service', '5'] });
    const since = await cp.hactl('logs', 'zk-main/zk-3', '--since', '10m');
    expect(since).toMatchObject({ code: 2, err: expect.stringMatching(/--since goes with -f/) });
  });

  it('logs of a member that has written nothing yet says so', async () => {
    await established();
    zk3Logs('');
    expect(await cp.hactl('logs', 'zk-main', 'zk3')).toMatchObject({
      code: 0,
      out: '',
      err:
        '==> zk3:/d/zookeeper/zk-main/3/logs/zookeeper.log (zk-main/zk-3) <==\n' +
        '(no lines: the file is empty, or the member has not written it yet)\n',
    });
  });
});
