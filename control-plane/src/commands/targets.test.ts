import { describe, expect, it } from 'vitest';
import { pickMember, resolveTargets } from './targets.js';

const members = [
  { instance: 'zk-main/zk-1', host: 'zk1', id: 1 },
  { instance: 'zk-main/zk-2', host: 'zk2', id: 2 },
];

describe('pickMember', () => {
  it.each(['zk-2', 'zk2', '2'])('finds a member by name, host or id: %s', (name) => {
    expect(pickMember('zk-main', name, members).instance).toBe('zk-main/zk-2');
  });

  it('an unknown member is not found, and the answer names the members there are', () => {
    expect(() => pickMember('zk-main', 'zk9', members)).toThrow(
      'member "zk-main/zk9" not found; zk-main has zk-1, zk-2 (a member\'s name, host or id)',
    );
  });

  it('a name that fits several members is refused with each of them', () => {
    const two = [...members, { instance: 'zk-main/zk-3', host: 'zk2', id: 3 }];
    expect(() => pickMember('zk-main', 'zk2', two)).toThrow('"zk2" names several members of zk-main');
  });
});

describe('resolveTargets: member refs CLUSTER/MEMBER', () => {
  const fleet = {
    hosts: [
      { id: 'h1', name: 'zk1', labels: {} },
      { id: 'h2', name: 'zk2', labels: {} },
    ],
    members: (cluster: string) =>
      cluster === 'zk-main'
        ? [
            { instance: 'zk-main/zk-1', hostId: 'h1', host: 'zk1', id: 1, role: 'server' },
            { instance: 'zk-main/zk-2', hostId: 'h2', host: 'zk2', id: 2, role: 'server' },
          ]
        : undefined,
  };
  it.each([
    ['by member name', 'zk-main/zk-2', ['zk2'], []],
    ['by host', 'zk-main/zk1', ['zk1'], []],
    ['by id', 'zk-main/2', ['zk2'], []],
    ['an unknown cluster', 'kafka/zk-1', [], ['no cluster kafka']],
    ['a second slash: no member has it in its name', 'zk-main/zk-1/x', [], ['no member zk-main/zk-1/x']],
    ['no slash: the cluster part alone, no member', 'zk-main', [], ['no member zk-main']],
  ])('%s: %s', (_, ref, hosts, problems) => {
    const r = resolveTargets({ members: [ref] }, fleet);
    expect(r.hosts.map((h) => h.name)).toEqual(hosts);
    expect(r.problems.map((p) => p.message)).toEqual(problems);
  });
});
