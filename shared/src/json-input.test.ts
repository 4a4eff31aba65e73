import { describe, expect, it } from 'vitest';
import { checkJsonShape, parseJsonInput, MAX_JSON_DEPTH } from './json-input.js';
import { HactlError, ValidationError } from './errors.js';

const nested = (levels: number, leaf: string = '1'): string => {
  let s = leaf;
  for (let i = 0; i < levels; i++) s = `{"a":${s}}`;
  return s;
};

describe('input documents: reserved keys and depth (issue 16 #3)', () => {
  it.each<[string, string, { path: string; message: RegExp }[]]>([
    [
      'a plain spec → no problems',
      '{"name":"zk","settings":{"tickTime":2000},"members":[{"host":"a","id":1}]}',
      [],
    ],
    [
      '__proto__ in settings → named by its path',
      '{"settings":{"__proto__":{"x":1},"tickTime":2000}}',
      [{ path: 'settings.__proto__', message: /reserved/ }],
    ],
    [
      'constructor inside a list member → path with the index',
      '{"members":[{"host":"a"},{"constructor":1}]}',
      [{ path: 'members[1].constructor', message: /reserved/ }],
    ],
    ['prototype at the root', '{"prototype":{}}', [{ path: 'prototype', message: /reserved/ }]],
    [`exactly ${MAX_JSON_DEPTH} levels → accepted`, nested(MAX_JSON_DEPTH), []],
    [
      `${MAX_JSON_DEPTH + 1} levels → refused at the first level too deep`,
      nested(MAX_JSON_DEPTH + 1),
      [{ path: `${'a.'.repeat(MAX_JSON_DEPTH - 1)}a`, message: /nested deeper than 32 levels/ }],
    ],
  ])('%s', (_scenario, text, expected) => {
    const problems = checkJsonShape(JSON.parse(text));
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(problems[i]!.path).toBe(e.path);
      expect(problems[i]!.message).toMatch(e.message);
    });
  });

  it('settings nested 1,500 levels deep → one problem, no stack overflow', () => {
    const problems = checkJsonShape(JSON.parse(`{"settings":{"x":${nested(1500)}}}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path.startsWith('settings.x.a.a')).toBe(true);
  });

  it('a hostile document with thousands of reserved keys → at most 20 problems listed', () => {
    const many = `[${Array.from({ length: 5000 }, () => '{"__proto__":1}').join(',')}]`;
    expect(checkJsonShape(JSON.parse(many))).toHaveLength(20);
  });

  it('parseJsonInput: not JSON → invalid_json naming the input; a reserved key → ValidationError with its path under the prefix', () => {
    expect(() => parseJsonInput('{"a":', 'request body')).toThrow(HactlError);
    expect(() => parseJsonInput('{"a":', 'request body')).toThrow(/^request body is not valid JSON/);
    try {
      parseJsonInput('{"settings":{"__proto__":{}}}', 'request body', { prefix: 'clusters[0]' });
      expect.unreachable('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).details).toEqual([
        {
          path: 'clusters[0].settings.__proto__',
          message: '"__proto__" is a reserved name and cannot be used as a key',
        },
      ]);
    }
    expect(parseJsonInput('{"ok":true}', 'x')).toEqual({ ok: true });
  });
});
