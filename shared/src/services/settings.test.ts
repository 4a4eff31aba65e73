import { describe, it, expect } from 'vitest';
import { checkNonNegativeInt, checkSettingKeys } from './settings.js';
import type { ErrorDetail } from '../errors.js';

describe('settings keys', () => {
  it('refuses bad keys, managed keys and the kind’s own refusals at settings.<key>; passes the rest on', () => {
    const problems: ErrorDetail[] = [];
    const accepted = checkSettingKeys(
      { 'a b': 1, port: 2, 'server.1': 'x', tickTime: 3, constructor: 'ok' },
      {
        managed: { port: 'set members[].port' },
        refuse: (k) => (k.startsWith('server.') ? 'no' : undefined),
      },
      problems,
    );
    expect(problems).toEqual([
      { path: 'settings.a b', message: 'setting names may only contain letters, digits and "._-"' },
      { path: 'settings.port', message: 'managed by hactl: set members[].port' },
      { path: 'settings.server.1', message: 'no' },
    ]);
    // "constructor" is an ordinary key, not a managed one found on Object.prototype.
    expect(accepted.map(([k, , p]) => [k, p])).toEqual([
      ['tickTime', 'settings.tickTime'],
      ['constructor', 'settings.constructor'],
    ]);
  });

  it('non-negative integers: numbers or digits', () => {
    expect(checkNonNegativeInt('p', 3)).toEqual([]);
    expect(checkNonNegativeInt('p', '30')).toEqual([]);
    expect(checkNonNegativeInt('p', -1)).toHaveLength(1);
    expect(checkNonNegativeInt('p', '1.5')).toHaveLength(1);
    expect(checkNonNegativeInt('p', true)).toHaveLength(1);
  });
});
