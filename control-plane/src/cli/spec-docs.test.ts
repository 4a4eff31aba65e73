import { describe, expect, it } from 'vitest';
import { parseSpecSources } from './spec-docs.js';

const src = (name: string, text: string) => ({ name, text });

describe('parseSpecSources', () => {
  it('multi-document YAML → specs in order, empty and comment-only documents skipped', () => {
    const { docs, problems } = parseSpecSources([
      src(
        'all.yaml',
        '---\nname: zk-main\nkind: zookeeper\n---\n# nothing here\n---\nname: kafka-main\nkind: kafka\n---\n',
      ),
      src('more.json', '{"name": "es-main", "kind": "elasticsearch"}'),
    ]);
    expect(problems).toEqual([]);
    expect(docs.map((d) => [d.name, d.origin])).toEqual([
      ['zk-main', 'all.yaml:2 (document 1)'],
      ['kafka-main', 'all.yaml:7 (document 3)'],
      ['es-main', 'more.json:1 (document 1)'],
    ]);
    expect(docs[0]?.spec).toEqual({ name: 'zk-main', kind: 'zookeeper' });
  });

  it('syntax error → file:line:col with the snippet, and no documents from a broken file are trusted', () => {
    const { problems } = parseSpecSources([src('zk.yaml', 'name: ok\n---\nname: bad\nmembers: [1, 2\n')]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('zk.yaml:5:1');
    expect(problems[0]?.message).toBe(
      'Flow sequence in block collection must be sufficiently indented and end with a ]\nmembers: [1, 2\n\n^',
    );
  });

  it('reports problems in every file at once', () => {
    const { problems } = parseSpecSources([src('a.yaml', 'a: b: c\n'), src('b.yaml', 'name: x\nname: y\n')]);
    expect(problems.map((p) => p.path)).toEqual(['a.yaml:1:4', 'b.yaml:2:1']);
    expect(problems[1]?.message).toMatch(/^Map keys must be unique/);
  });

  // The line is the document's first, or the named field's (settings.tickTime: line 2).
  it.each([
    ['a list', '- 1\n- 2\n', 1, 'a cluster spec must be a mapping, got a list'],
    ['a scalar', 'hello\n', 1, 'a cluster spec must be a mapping, got string'],
    ['no name', 'kind: zookeeper\n', 1, 'a cluster spec needs a non-empty string "name"'],
    ['numeric name', 'name: 5\n', 1, 'a cluster spec needs a non-empty string "name"'],
    ['blank name', 'name: "  "\n', 1, 'a cluster spec needs a non-empty string "name"'],
    [
      'infinity',
      'name: x\nsettings: {tickTime: .inf}\n',
      2,
      'settings.tickTime: .inf/.nan cannot be sent as JSON',
    ],
  ])('%s → problem', (_label, text, line, message) => {
    const { docs, problems } = parseSpecSources([src('s.yaml', text)]);
    expect(docs).toEqual([]);
    expect(problems).toEqual([{ path: `s.yaml:${line} (document 1)`, message }]);
  });

  it('the same cluster twice → problem naming both places', () => {
    const { problems } = parseSpecSources([src('a.yaml', 'name: zk\n'), src('b.yaml', '\n\nname: zk\n')]);
    expect(problems).toEqual([
      {
        path: 'b.yaml:3 (document 1)',
        message: 'cluster "zk" is already defined in a.yaml:1 (document 1)',
      },
    ]);
  });

  it('an alias bomb → a problem naming its file and document, the other documents still checked', () => {
    const level = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(`*${of}`).join(', ')}]\n`;
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x]\n' +
      level('b', 'a') +
      level('c', 'b') +
      level('d', 'c') +
      level('e', 'd') +
      `f: [${Array(9).fill('*e').join(', ')}]\n`;
    const { docs, problems } = parseSpecSources([src('bomb.yaml', `name: zk-a\n---\n${bomb}`)]);
    expect(docs.map((d) => d.name)).toEqual(['zk-a']);
    expect(problems).toEqual([
      { path: 'bomb.yaml:3 (document 2)', message: expect.stringMatching(/alias/) as string },
    ]);
  });

  it('empty input → no documents, no problems', () => {
    expect(parseSpecSources([src('e.yaml', '')])).toEqual({ docs: [], problems: [] });
  });

  it('a reserved key (YAML keeps __proto__ as a key, the control plane would refuse it) → named with its document and path (issue 16 #3)', () => {
    const { docs, problems } = parseSpecSources([
      src(
        'zk.yaml',
        'name: zk-main\nkind: zookeeper\nsettings:\n  __proto__: { tickTime: 1 }\n  syncLimit: 5\n',
      ),
    ]);
    expect(docs).toEqual([]);
    expect(problems).toEqual([
      {
        path: 'zk.yaml:4 (document 1): settings.__proto__',
        message: '"__proto__" is a reserved name and cannot be used as a key',
      },
    ]);
  });

  describe('fieldOrigin: the line where a field the control plane names is written', () => {
    const SPEC = [
      '# a comment first',
      'name: kafka-main', // 2
      'kind: kafka',
      'settings:',
      '  log.retention.hours: 24', // 5
      '  min.insync.replicas: 2', // 6
      '  min: 1', // 7
      'brokers:',
      '  - { host: k1, id: 1 }', // 9
      '  - host: k2', // 10
      '    id: 2', // 11
      'jvm: {}', // 12
      '',
    ].join('\n');
    const doc = () => {
      const { docs, problems } = parseSpecSources([src('k.yaml', `name: other\n---\n${SPEC}`)]);
      expect(problems).toEqual([]);
      return docs[1]!;
    };

    it.each([
      ['name', 4],
      ['settings', 6],
      // Keys hold dots: the longest key the path begins with, not the shorter `min`.
      ['settings.min.insync.replicas', 8],
      ['settings.min', 9],
      ['settings.log.retention.hours', 7],
      ['brokers[0]', 11],
      ['brokers[0].id', 11],
      ['brokers[1].id', 13],
      // Left out: where the nearest written parent is.
      ['jvm.heap', 14],
      ['brokers[1].rack', 12],
      ['brokers[5].host', 10],
      ['settings.nope', 6],
      // Not even the first step is written: where the document's content starts.
      ['zookeeper', 4],
    ])('%s → line %i of the file', (path, line) => {
      expect(doc().fieldOrigin(path)).toBe(`k.yaml:${line} (document 2)`);
    });
  });
});
