import { describe, expect, it } from 'vitest';
import { fakeIo } from './fake-io.js';
import { runCli } from './run.js';

const B = 'http://127.0.0.1:7080/v1/clusters';
const ZK = 'name: zk-main\nkind: zookeeper\nmembers:\n  - { host: zk1, id: 1 }\n';
const KAFKA = 'name: kafka-main\nkind: kafka\nzookeeper: zk-main\n';
const STORM = 'name: storm-main\nkind: storm\nzookeeper: zk-main\n';
const THREE = `${ZK}---\n${KAFKA}---\n${STORM}`;
const ok = (name: string, revision: number, changed: boolean) => ({ body: { name, revision, changed } });

describe('hactl apply', () => {
  it('multi-document file → one PUT per document, in order, with the parsed spec as JSON', async () => {
    const io = fakeIo(
      { [`PUT ${B}/zk-main`]: ok('zk-main', 2, true), [`PUT ${B}/kafka-main`]: ok('kafka-main', 1, false), [`PUT ${B}/storm-main`]: ok('storm-main', 7, true) },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(0);
    expect(io.requests).toEqual([
      {
        method: 'PUT',
        url: `${B}/zk-main`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: { name: 'zk-main', kind: 'zookeeper', members: [{ host: 'zk1', id: 1 }] },
      },
      {
        method: 'PUT',
        url: `${B}/kafka-main`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: { name: 'kafka-main', kind: 'kafka', zookeeper: 'zk-main' },
      },
      {
        method: 'PUT',
        url: `${B}/storm-main`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: { name: 'storm-main', kind: 'storm', zookeeper: 'zk-main' },
      },
    ]);
    expect(io.out()).toBe(
      ['cluster/zk-main configured (revision 2)', 'cluster/kafka-main unchanged (revision 1)', 'cluster/storm-main configured (revision 7)', ''].join('\n'),
    );
    expect(io.err()).toBe('');
  });

  it('repeated -f → files in command-line order; empty documents skipped; JSON accepted', async () => {
    const io = fakeIo(
      { [`PUT ${B}/kafka-main`]: ok('kafka-main', 1, true), [`PUT ${B}/zk-main`]: ok('zk-main', 1, true) },
      { files: { 'k.yaml': `---\n---\n# only a comment\n---\n${KAFKA}---\n`, 'zk.json': '{"name": "zk-main", "kind": "zookeeper"}' } },
    );
    expect(await runCli(['apply', '-f', 'k.yaml', '--file', 'zk.json'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual([`${B}/kafka-main`, `${B}/zk-main`]);
    expect(io.requests[1]?.body).toEqual({ name: 'zk-main', kind: 'zookeeper' });
  });

  it('-f - reads stdin', async () => {
    const io = fakeIo({ [`PUT ${B}/zk-main`]: ok('zk-main', 1, true) }, { stdin: ZK });
    expect(await runCli(['apply', '-f', '-'], io)).toBe(0);
    expect(io.requests.map((r) => r.url)).toEqual([`${B}/zk-main`]);
  });

  it('malformed YAML in a later document → file:line:col, nothing sent, exit 1', async () => {
    const io = fakeIo({}, { files: { 'all.yaml': `${ZK}---\nname: kafka-main\nbrokers: [1, 2\n` } });
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(1);
    expect(io.requests).toEqual([]);
    expect(io.out()).toBe('');
    expect(io.err().split('\n').slice(0, 2)).toEqual([
      'error: the input has 1 problem(s); nothing was sent',
      '  all.yaml:8:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('malformed YAML in the second file → nothing from the first file is sent either', async () => {
    const io = fakeIo({}, { files: { 'zk.yaml': ZK, 'bad.yaml': 'name: x\n  kind: : y\n' } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '-f', 'bad.yaml'], io)).toBe(1);
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

  it('a document without a name → problem naming file and document, nothing sent', async () => {
    const io = fakeIo({}, { files: { 'all.yaml': `${ZK}---\nkind: kafka\n` } });
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(1);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe('error: the input has 1 problem(s); nothing was sent\n  all.yaml, document 2 (line 6): a cluster spec needs a non-empty string "name"\n');
  });

  it('unreadable file → error naming it, nothing sent', async () => {
    const io = fakeIo({}, { files: { 'zk.yaml': ZK } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '-f', 'missing.yaml'], io)).toBe(1);
    expect(io.requests).toEqual([]);
    expect(io.err()).toBe("error: cannot read missing.yaml: ENOENT: no such file or directory, open 'missing.yaml'; nothing was sent\n");
  });

  it('only empty documents → error, nothing sent', async () => {
    const io = fakeIo({}, { files: { 'e.yaml': '---\n# nothing\n' } });
    expect(await runCli(['apply', '-f', 'e.yaml'], io)).toBe(1);
    expect(io.err()).toBe('error: no cluster specs found in e.yaml; nothing was sent\n');
  });

  it('server rejects the second document → details printed, stops, says what was applied and what was not', async () => {
    const io = fakeIo(
      {
        [`PUT ${B}/zk-main`]: ok('zk-main', 2, true),
        [`PUT ${B}/kafka-main`]: {
          status: 400,
          body: {
            error: {
              code: 'invalid_argument',
              message: 'cluster spec is invalid',
              details: [
                { path: 'brokers', message: 'at least one broker is required' },
                { path: 'zookeeper', message: 'cluster "zk-other" does not exist' },
              ],
            },
          },
        },
      },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(1);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`PUT ${B}/zk-main`, `PUT ${B}/kafka-main`]);
    expect(io.out()).toBe('cluster/zk-main configured (revision 2)\n');
    expect(io.err()).toBe(
      [
        'error: applying cluster/kafka-main from all.yaml, document 2 (line 6): cluster spec is invalid',
        '  brokers: at least one broker is required',
        '  zookeeper: cluster "zk-other" does not exist',
        'applied before the error: cluster/zk-main',
        'not attempted: cluster/storm-main',
        '',
      ].join('\n'),
    );
  });

  it('409 on the first document → nothing applied', async () => {
    const io = fakeIo(
      { [`PUT ${B}/zk-main`]: { status: 409, body: { error: { code: 'conflict', message: 'cannot change kind of cluster "zk-main"' } } } },
      { files: { 'all.yaml': THREE } },
    );
    expect(await runCli(['apply', '-f', 'all.yaml'], io)).toBe(1);
    expect(io.requests).toHaveLength(1);
    expect(io.err()).toBe(
      [
        'error: applying cluster/zk-main from all.yaml, document 1 (line 1): cannot change kind of cluster "zk-main"',
        'nothing was applied before the error',
        'not attempted: cluster/kafka-main, cluster/storm-main',
        '',
      ].join('\n'),
    );
  });

  it('--dry-run → asks the control plane for a preview (PUT ?dryRun=true) and prints changes and restart order', async () => {
    const preview = {
      name: 'zk-main', changed: true, nextRevision: 2,
      instances: [
        { instance: 'zk-main/zk-1', host: 'zk1', change: 'update', restart: true, files: [{ path: '/d/zoo.cfg', diff: [' a=1', '-tickTime=2000', '+tickTime=500'] }] },
        { instance: 'zk-main/zk-2', host: 'zk2', change: 'none', restart: false, files: [] },
      ],
      restartOrder: ['zk-main/zk-1'],
    };
    const io = fakeIo({ [`PUT ${B}/zk-main?dryRun=true`]: { body: preview } }, { files: { 'zk.yaml': ZK } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '--dry-run'], io)).toBe(0);
    expect(io.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`PUT ${B}/zk-main?dryRun=true`]);
    expect(io.out()).toBe(
      [
        'cluster/zk-main: would become revision 2',
        '  update zk-main/zk-1 on zk1 (restart needed)',
        '    /d/zoo.cfg',
        '       a=1',
        '      -tickTime=2000',
        '      +tickTime=500',
        '  rolling restart order: zk-main/zk-1',
        '',
      ].join('\n'),
    );
    expect(io.err()).toContain('nothing was stored');
  });

  it('--no-rollout stages the change (?rollout=false) and lists the members left restart-pending', async () => {
    const io = fakeIo({ [`PUT ${B}/zk-main?rollout=false`]: { body: { name: 'zk-main', revision: 3, changed: true, restartPending: ['zk-main/zk-1'] } } }, { files: { 'zk.yaml': ZK } });
    expect(await runCli(['apply', '-f', 'zk.yaml', '--no-rollout'], io)).toBe(0);
    expect(io.out()).toBe('cluster/zk-main configured (revision 3)\n  restart pending (no rollout): zk-main/zk-1\n');
  });

  it('a change that starts a rollout prints its id and order', async () => {
    const io = fakeIo({ [`PUT ${B}/zk-main`]: { body: { name: 'zk-main', revision: 2, changed: true, rollout: 'ab12', restartOrder: ['zk3 (zk-main/zk-3)', 'zk1 (zk-main/zk-1)'] } } }, { files: { 'zk.yaml': ZK } });
    expect(await runCli(['apply', '-f', 'zk.yaml'], io)).toBe(0);
    expect(io.out()).toContain('rollout/ab12: rolling restart zk3 (zk-main/zk-3) → zk1 (zk-main/zk-1)');
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
});
