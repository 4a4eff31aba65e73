import { describe, expect, it } from 'vitest';
import { fakeIo } from './fake-io.js';
import { runCli } from './run.js';
import type { AppliedCluster } from '../api/contract.js';

const APPLY = 'http://127.0.0.1:7080/v1/apply';
const AUTHOR = { accept: 'application/json', 'content-type': 'application/json', 'x-hactl-author': 'hactl' };
const ZK = 'name: zk-main\nkind: zookeeper\nmembers:\n  - { host: zk1, id: 1 }\n';
const KAFKA = 'name: kafka-main\nkind: kafka\nzookeeper: zk-main\n';
const STORM = 'name: storm-main\nkind: storm\nzookeeper: zk-main\n';
const THREE = `${ZK}---\n${KAFKA}---\n${STORM}`;
const ok = (...clusters: AppliedCluster[]) => ({ body: { clusters } });
const c = (name: string, revision: number, changed: boolean) => ({ name, revision, changed });

describe('hactl apply', () => {
  it('multi-document file → one request with every document, in order, parsed to JSON', async () => {
    const io = fakeIo(
      { [`POST ${APPLY}`]: ok(c('zk-main', 2, true), c('kafka-main', 1, false), c('storm-main', 7, true)) },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(0);
    expect(io.requests).toEqual([
      {
        method: 'POST',
        url: APPLY,
        headers: AUTHOR,
        body: {
          clusters: [
            { name: 'zk-main', kind: 'zookeeper', members: [{ host: 'zk1', id: 1 }] },
            { name: 'kafka-main', kind: 'kafka', zookeeper: 'zk-main' },
            { name: 'storm-main', kind: 'storm', zookeeper: 'zk-main' },
          ],
        },
      },
    ]);
    expect(io.out()).toBe(
      [
        'cluster/zk-main configured (revision 2)',
        'cluster/kafka-main unchanged (revision 1)',
        'cluster/storm-main configured (revision 7)',
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe('');
  });

  it('repeated -f → files in command-line order; empty documents skipped; JSON accepted', async () => {
    const io = fakeIo(
      { [`POST ${APPLY}`]: ok(c('kafka-main', 1, true), c('zk-main', 1, true)) },
      {
        files: {
          'k.yaml': `---\n---\n# only a comment\n---\n${KAFKA}---\n`,
          'zk.json': '{"name": "zk-main", "kind": "zookeeper"}',
        },
      },
    );
    expect(await runCli(['apply', '-f', 'k.yaml', '--file', 'zk.json'], io)).toBe(0);
    expect((io.requests[0]?.body as { clusters: { name: string }[] }).clusters.map((x) => x.name)).toEqual([
      'kafka-main',
      'zk-main',
    ]);
    expect((io.requests[0]?.body as { clusters: unknown[] }).clusters[1]).toEqual({
      name: 'zk-main',
      kind: 'zookeeper',
    });
  });

  it('-f - reads stdin; --message goes with the request (hactl history shows it)', async () => {
    const io = fakeIo({ [`POST ${APPLY}`]: ok(c('zk-main', 1, true)) }, { stdin: ZK, env: { USER: 'ann' } });
    expect(await runCli(['apply', '-f', '-', '-m', 'raise tickTime for the slow disks'], io)).toBe(0);
    expect(io.requests[0]?.body).toMatchObject({ message: 'raise tickTime for the slow disks' });
    expect(io.requests[0]?.headers['x-hactl-author']).toBe('ann (hactl)');
  });

  it('malformed YAML in a later document → file:line:col, nothing sent, exit 2', async () => {
    const io = fakeIo({}, { files: { 'all.yaml': `${ZK}---\nname: kafka-main\nbrokers: [1, 2\n` } });
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.out()).toBe('');
    expect(io.err().split('\n').slice(0, 2)).toEqual([
      'error: the input has 1 problem(s); nothing was sent',
      '  all.yaml:8:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('malformed YAML in the second file → nothing from the first file is sent either', async () => {
    const io = fakeIo({}, { files: { 'zk.yaml': ZK, 'bad.yaml': 'name: x\n  kind: : y\n' } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '-f', 'bad.yaml'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe(
      [
        'error: the input has 1 problem(s); nothing was sent',
        '  bad.yaml:1:7: Nested mappings are not allowed in compact mappings',
        '      name: x',
        '            ^',
        '',
      ].join('\n'),
    );
  });

  it('problems in several documents → all of them reported, nothing sent, exit 2', async () => {
    const io = fakeIo({}, { files: { 'all.yaml': `${ZK}---\nkind: kafka\n---\n- a list\n` } });
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe(
      [
        'error: the input has 2 problem(s); nothing was sent',
        '  all.yaml:6 (document 2): a cluster spec needs a non-empty string "name"',
        '  all.yaml:8 (document 3): a cluster spec must be a mapping, got a list',
        '',
      ].join('\n'),
    );
  });

  it('unreadable file → error naming it, nothing sent, exit 2', async () => {
    const io = fakeIo({}, { files: { 'zk.yaml': ZK } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '-f', 'missing.yaml'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe(
      "error: cannot read missing.yaml: ENOENT: no such file or directory, open 'missing.yaml'; nothing was sent\n",
    );
  });

  it('only empty documents → error, nothing sent', async () => {
    const io = fakeIo({}, { files: { 'e.yaml': '---\n# nothing\n' } });
    expect(await runCli(['apply', '-f', 'e.yaml'], io)).toBe(2);
    expect(io.err()).toBe('error: no cluster specs found in e.yaml; nothing was sent\n');
  });

  it('the control plane rejects documents → each problem named by file and document, exit 2', async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}`]: {
          status: 400,
          body: {
            error: {
              code: 'invalid_argument',
              message: '1 of 3 cluster specs cannot be applied; nothing was stored',
              details: [
                { path: 'clusters[1].brokers', message: 'at least one broker is required' },
                { path: 'clusters[1].zookeeper', message: 'cluster "zk-other" does not exist' },
              ],
            },
          },
        },
      },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(2);
    expect(io.requests).toHaveLength(1);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      [
        'error: 1 of 3 cluster specs cannot be applied; nothing was stored',
        '  all.yaml:6 (document 2): brokers: at least one broker is required',
        '  all.yaml:8 (document 2): zookeeper: cluster "zk-other" does not exist',
        '',
      ].join('\n'),
    );
  });

  it('409 (a rollout is running) → exit 1, the reason printed', async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}`]: {
          status: 409,
          body: {
            error: {
              code: 'conflict',
              message: 'cluster zk-main has rollout ab12 (running); nothing was stored',
            },
          },
        },
      },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(1);
    expect(io.err()).toBe('error: cluster zk-main has rollout ab12 (running); nothing was stored\n');
  });

  it("--dry-run → asks for a preview (?dryRun=true) and prints changes, distribution moves with each host's answer, order and warnings", async () => {
    const preview = {
      name: 'zk-main',
      changed: true,
      nextRevision: 2,
      instances: [
        {
          instance: 'zk-main/zk-1',
          host: 'zk1',
          change: 'update',
          restart: true,
          distribution: {
            from: '/usr/share/zookeeper',
            to: '/opt/zk-3.9',
            changed: true,
            check: { checked: true, ok: false, detail: '/opt/zk-3.9/bin/zkServer.sh does not exist' },
          },
          files: [{ path: '/d/zoo.cfg', diff: [' a=1', '-tickTime=2000', '+tickTime=500'] }],
        },
        { instance: 'zk-main/zk-2', host: 'zk2', change: 'none', restart: false, files: [] },
      ],
      restartOrder: ['zk-main/zk-1'],
      warnings: [
        'zk1 cannot start zk-main/zk-1 on /opt/zk-3.9: /opt/zk-3.9/bin/zkServer.sh does not exist; its rollout step would fail and leave it running /usr/share/zookeeper',
      ],
    };
    const io = fakeIo(
      { [`POST ${APPLY}?dryRun=true`]: { body: { clusters: [preview] } } },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml', '--dry-run'], io)).toBe(0);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${APPLY}?dryRun=true`]);
    expect(io.out()).toBe(
      [
        'cluster/zk-main: would become revision 2',
        '  update zk-main/zk-1 on zk1 (restart needed)',
        '    distribution: /usr/share/zookeeper → /opt/zk-3.9 (zk1: /opt/zk-3.9/bin/zkServer.sh does not exist)',
        '    /d/zoo.cfg',
        '       a=1',
        '      -tickTime=2000',
        '      +tickTime=500',
        '  rolling restart order: zk-main/zk-1',
        '  warning: zk1 cannot start zk-main/zk-1 on /opt/zk-3.9: /opt/zk-3.9/bin/zkServer.sh does not exist; its rollout step would fail and leave it running /usr/share/zookeeper',
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe(
      'dry run: 1 cluster spec(s) validated by the control plane; nothing was stored. 1 warning(s): read them before applying.\n',
    );
  });

  it('--no-rollout stages the change (?rollout=false) and says how to restart the members left restart-pending', async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}?rollout=false`]: ok({
          name: 'zk-main',
          revision: 3,
          changed: true,
          restartPending: ['zk-main/zk-1'],
        }),
      },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml', '--no-rollout'], io)).toBe(0);
    expect(io.out()).toBe(
      'cluster/zk-main configured (revision 3)\n  restart pending (no rollout): zk-main/zk-1; restart them with: hactl rollout start zk-main --action apply\n',
    );
  });

  it("--gate-timeout, --on-gate-timeout and --pause-between choose the rollout's options (query parameters)", async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}?gateTimeoutSec=30&pauseBetweenSec=5&onGateTimeout=rollback`]: ok({
          ...c('zk-main', 3, true),
          rollout: 'r9',
          restartOrder: ['zk1 (zk-main/zk-1)'],
        }),
      },
      { files: { 'zk.yaml': ZK } },
    );
    expect(
      await runCli(
        [
          'apply',
          '-f',
          'zk.yaml',
          '--gate-timeout',
          '30',
          '--on-gate-timeout',
          'rollback',
          '--pause-between',
          '5',
        ],
        io,
      ),
    ).toBe(0);
    expect(io.requests).toHaveLength(1);
    expect(io.out()).toContain('rollout/r9: rolling restart zk1 (zk-main/zk-1)');
  });

  it('rollout options with --no-rollout, or seconds that are not a number → usage error, nothing sent, exit 2', async () => {
    for (const [args, said] of [
      [['--no-rollout', '--on-gate-timeout', 'abort'], /with --no-rollout none starts/],
      [['--gate-timeout', '30s'], /--gate-timeout must be a number of seconds/],
      [['--pause-between', '-1'], /--pause-between must be a number of seconds/],
    ] as const) {
      const io = fakeIo({}, { files: { 'zk.yaml': ZK } });
      expect(await runCli(['apply', '-f', 'zk.yaml', ...args], io)).toBe(2);
      expect(io.requests).toEqual([]);
      expect(io.err()).toMatch(/--no-rollout none starts|must be a number of seconds/);
      expect(io.err()).toMatch(said);
    }
  });

  it('a membership change (--force-removal) prints its procedure and steps; the dry run lists the steps', async () => {
    const steps = [
      'phase 1 (members zk-1, zk-2): start new member zk-main/zk-2 on zk2',
      'phase 1 (members zk-1, zk-2): restart onto the new member list zk-main/zk-1 on zk1',
    ];
    const io = fakeIo(
      {
        [`POST ${APPLY}?forceRemoval=true`]: ok({
          name: 'zk-main',
          revision: 2,
          changed: true,
          rollout: 'm1',
          membershipSteps: steps,
        }),
      },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml', '--force-removal'], io)).toBe(0);
    expect(io.out()).toBe(
      [
        'cluster/zk-main configured (revision 2)',
        '  rollout/m1: membership change in 2 step(s) (hactl rollout status m1 -w)',
        ...steps.map((l) => `    ${l}`),
        '',
      ].join('\n'),
    );
    const preview = { name: 'zk-main', changed: true, nextRevision: 2, instances: [], restartOrder: [] };
    const dry = fakeIo(
      { [`POST ${APPLY}?dryRun=true`]: { body: { clusters: [{ ...preview, membershipSteps: steps }] } } },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml', '--dry-run'], dry)).toBe(0);
    expect(dry.out()).toBe(
      [
        'cluster/zk-main: would become revision 2',
        '  membership change, one step at a time through the restart-lease gates:',
        ...steps.map((l) => `    ${l}`),
        '',
      ].join('\n'),
    );
  });

  it('a change that starts a rollout prints its id and order', async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}`]: ok({
          name: 'zk-main',
          revision: 2,
          changed: true,
          rollout: 'ab12',
          restartOrder: ['zk3 (zk-main/zk-3)', 'zk1 (zk-main/zk-1)'],
        }),
      },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml'], io)).toBe(0);
    expect(io.out()).toContain('rollout/ab12: rolling restart zk3 (zk-main/zk-3) → zk1 (zk-main/zk-1)');
  });

  it("the kind's notes and validation's warnings are printed apart, worded as the dry run words them", async () => {
    const io = fakeIo(
      {
        [`POST ${APPLY}`]: ok({
          name: 'zk-main',
          revision: 2,
          changed: true,
          notes: ['kafka upgrade: one at a time'],
          warnings: ['settings.min.insync.replicas: one broker down blocks acks=all writes'],
        }),
      },
      { files: { 'zk.yaml': ZK } },
    );
    expect(await runCli(['apply', '-f', 'zk.yaml'], io)).toBe(0);
    expect(io.out()).toBe(
      'cluster/zk-main configured (revision 2)\n' +
        '  note: kafka upgrade: one at a time\n' +
        '  warning: settings.min.insync.replicas: one broker down blocks acks=all writes\n',
    );
  });

  it('without -f → usage error, exit 2', async () => {
    const io = fakeIo();
    expect(await runCli(['apply'], io)).toBe(2);
    expect(io.err()).toContain("error: required option '-f, --file <path>' not specified");
  });

  it('-f - twice → usage error, exit 2', async () => {
    const io = fakeIo({}, { stdin: ZK });
    expect(await runCli(['apply', '-f', '-', '-f', '-'], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe('error: "-f -" (stdin) may be given only once\n');
  });

  it.each<
    [
      string,
      { files?: Record<string, string>; sizes?: Record<string, number>; stdin?: string },
      string[],
      string,
    ]
  >([
    [
      'a 30 MB spec file → refused by its size, never read',
      { files: { 'zk.yaml': ZK, 'huge.yaml': ZK }, sizes: { 'huge.yaml': 30 * 1024 * 1024 } },
      ['-f', 'zk.yaml', '-f', 'huge.yaml'],
      'error: huge.yaml is 30.0 MiB (31457280 bytes); the control plane accepts at most 1.0 MiB (1048576 bytes) of specs per request, so it was not read; nothing was sent\n',
    ],
    [
      'more than 1 MiB on stdin → cut off at the cap',
      { stdin: `${ZK}# ${'x'.repeat(1024 * 1024)}\n` },
      ['-f', '-'],
      'error: <stdin> is more than 1.0 MiB; the control plane accepts at most 1.0 MiB (1048576 bytes) of specs per request, so it was not read; nothing was sent\n',
    ],
    [
      'files each under the cap that add up to more than one request → refused before sending',
      {
        files: {
          'a.yaml': `name: a\nkind: zookeeper\npad: ${'x'.repeat(700 * 1024)}\n`,
          'b.yaml': `name: b\nkind: zookeeper\npad: ${'y'.repeat(700 * 1024)}\n`,
        },
      },
      ['-f', 'a.yaml', '-f', 'b.yaml'],
      'error: the specs come to 1.4 MiB as JSON; the control plane accepts at most 1.0 MiB per request: split them over several hactl apply calls; nothing was sent\n',
    ],
  ])('too large (issue 16 #10): %s, exit 2, nothing sent', async (_scenario, input, argv, message) => {
    const io = fakeIo({}, input);
    expect(await runCli(['apply', ...argv], io)).toBe(2);
    expect(io.requests).toEqual([]);
    expect(io.reads).not.toContain('huge.yaml');
    expect(io.err()).toBe(message);
  });
});
