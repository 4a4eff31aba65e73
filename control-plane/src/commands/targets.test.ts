import { describe, expect, it } from 'vitest';
import { pickMember } from './targets.js';

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
