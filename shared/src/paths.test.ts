import { describe, expect, it } from 'vitest';
import { DirClaims, absPathSchema, checkPath, dirRelation, normalisePath, pathProblems } from './paths.js';

describe('paths: one normaliser (issue 16 #1)', () => {
  it.each<[string, string]>([
    ['/var/lib/hactl', '/var/lib/hactl'],
    ['/var/lib/hactl/', '/var/lib/hactl'],
    ['//var///lib//hactl', '/var/lib/hactl'],
    ['/var/./lib/.', '/var/lib'],
    ['/', '/'],
    ['//', '/'],
    ['/a/../b', '/a/../b'],
  ])('%s → %s', (raw, normal) => {
    expect(normalisePath(raw)).toBe(normal);
  });
});

describe('paths: one set of rules (issue 16 #1)', () => {
  it.each<[scenario: string, path: string]>([
    ['a plain data dir', '/var/lib/hactl/zookeeper/zk-main/1/data'],
    ['a trailing slash (normalised away)', '/data/kafka/'],
    ['"_.+@=-" inside segments', '/srv/kafka_1/v2.8+x@a=b-c'],
  ])('accepted: %s', (_s, p) => {
    expect(pathProblems(p)).toEqual([]);
  });

  it.each<[scenario: string, path: string, message: RegExp]>([
    [
      'a comma (Kafka log.dirs / ES path.data would read two directories)',
      '/d1,/d2',
      /found "," \(a comma splits Kafka log\.dirs/,
    ],
    ['a colon (class path separator)', '/opt/a:b', /found ":".*class path/],
    ['the root', '/', /must not be "\/"/],
    ['the root spelled with two slashes', '//', /must not be "\/"/],
    ['a relative path', 'var/lib', /absolute/],
    ['an empty path', '', /absolute/],
    ['a ".." segment', '/var/lib/../../etc', /"\.\."/],
    ['a "." segment (say the path meant)', '/var/./lib', /"\." or "\.\." segments/],
    ['a space', '/var/lib/my data', /found U\+0020/],
    ['a newline', '/var/lib\n/x', /found U\+000A/],
    ['a logback conversion word', '/logs/%d', /found "%"/],
    ['a substitution', '/data/${HOME}', /found "\$", "\{", "\}"/],
    ['a backslash', '/data/a\\b', /found "\\\\"/],
    ['non-ASCII', '/data/café', /found U\+00E9/],
    ['longer than PATH_MAX', `/${'a'.repeat(4095)}`, /at most 4095/],
  ])('refused: %s', (_s, p, message) => {
    const problems = pathProblems(p);
    expect(problems.length, JSON.stringify(problems)).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
  });

  it('checkPath names the field', () => {
    expect(checkPath('brokers[0].logDirs[0]', '/d1,/d2')).toEqual([
      { path: 'brokers[0].logDirs[0]', message: expect.stringMatching(/comma/) },
    ]);
  });

  it('absPathSchema checks, then hands back the normal form', () => {
    expect(absPathSchema.parse('/data//zk/')).toBe('/data/zk');
    expect(absPathSchema.safeParse('/').success).toBe(false);
    expect(absPathSchema.safeParse('/d1,/d2').success).toBe(false);
  });
});

describe('paths: clashes compare normal forms, nesting included', () => {
  it.each<[a: string, b: string, relation: ReturnType<typeof dirRelation>]>([
    ['/data/zk', '/data/zk', 'same'],
    ['/data/zk/', '/data//zk', 'same'],
    ['/data/zk/1', '/data/zk', 'inside'],
    ['/data', '/data/zk', 'contains'],
    ['/data/zk1', '/data/zk', undefined],
    ['/data/zk', '/data/zk1', undefined],
  ])('%s vs %s → %s', (a, b, relation) => {
    expect(dirRelation(a, b)).toBe(relation);
  });

  it('DirClaims reports earlier claims on the same host only, with how they overlap', () => {
    const claims = new DirClaims();
    claims.add('h1', '/data/kafka/', 'brokers[0].logDirs[0]');
    expect(claims.overlaps('h2', '/data/kafka')).toEqual([]);
    expect(claims.overlaps('h1', '/data/kafka')).toEqual([
      { dir: '/data/kafka', owner: 'brokers[0].logDirs[0]', relation: 'same' },
    ]);
    const inside = claims.overlaps('h1', '/data/kafka/b2');
    expect(inside).toEqual([{ dir: '/data/kafka', owner: 'brokers[0].logDirs[0]', relation: 'inside' }]);
    expect(claims.overlaps('h1', '/data')).toEqual([
      { dir: '/data/kafka', owner: 'brokers[0].logDirs[0]', relation: 'contains' },
    ]);
    expect(claims.overlaps('h1', '/data/kafka2')).toEqual([]);
  });
});
