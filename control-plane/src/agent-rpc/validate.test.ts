import { describe, expect, it } from 'vitest';
import { ValidationError } from '@hactl/shared';
import type { Hello__Output } from '@hactl/proto';
import { parseHello } from './validate.js';

const hello = (dataRoot: string): Hello__Output =>
  ({
    name: 'h1',
    address: '127.0.0.51',
    agentVersion: 't',
    facts: {
      dataRoot,
      labels: {},
      hostname: 'h1',
      os: '',
      kernel: '',
      cpus: 1,
      memoryBytes: '0',
      javaVersion: '',
      nodeVersion: '',
    },
  }) as unknown as Hello__Output;

function problems(h: Hello__Output): string[] {
  try {
    parseHello(h);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details.map((d) => `${d.path}: ${d.message}`);
  }
}

describe('hello: the data root follows the one path rule set (issue 16 #1)', () => {
  it.each<[scenario: string, dataRoot: string, message: RegExp]>([
    ['"/" (every service dir straight under the root)', '/', /must not be "\/"/],
    ['a comma (every Kafka log dir under it would split in two)', '/srv/a,b', /found ","/],
    ['a colon', '/srv/a:b', /found ":"/],
    ['a ".." segment', '/srv/../etc', /"\.\."/],
    ['a "." segment', '/srv/./hactl', /"\." or "\.\."/],
    ['relative', 'relative/dir', /absolute/],
    ['a control character', '/srv/a\nb', /U\+000A/],
  ])('refused: %s', (_s, dataRoot, message) => {
    const p = problems(hello(dataRoot));
    expect(p.length).toBeGreaterThan(0);
    expect(p.every((x) => x.startsWith('hello.facts.dataRoot: '))).toBe(true);
    expect(p.join('\n')).toMatch(message);
  });

  it('accepted in normal form: what the planner derives every default dir from', () => {
    expect(parseHello(hello('/var/lib/hactl')).dataRoot).toBe('/var/lib/hactl');
    expect(parseHello(hello('/var//lib/hactl/')).dataRoot).toBe('/var/lib/hactl');
  });
});

describe('hello: the address is one services can bind and advertise', () => {
  it.each(['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', '239.255.255.250', 'ff02::1'])(
    '%s is refused, naming hello.address',
    (address) => {
      expect(problems({ ...hello('/var/lib/hactl'), address })).toEqual([
        expect.stringMatching(/^hello\.address: .* is not a unicast address/),
      ]);
    },
  );

  it.each(['10.0.0.21', '127.0.0.51', '192.168.1.255', '2001:db8::1', 'fe80::1'])(
    '%s is accepted',
    (address) => {
      expect(problems({ ...hello('/var/lib/hactl'), address })).toEqual([]);
    },
  );
});
