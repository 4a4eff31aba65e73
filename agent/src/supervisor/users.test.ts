import { describe, expect, it } from 'vitest';
import { parsePasswdLine, serviceUserCache, type ServiceUser } from './users.js';

describe('service users', () => {
  it('getent passwd line → numeric ids', () => {
    expect(parsePasswdLine('elasticsearch:x:998:997::/nonexistent:/usr/sbin/nologin\n')).toEqual({
      name: 'elasticsearch',
      uid: 998,
      gid: 997,
    });
  });

  it('a line that is not a passwd entry → error naming it', () => {
    expect(() => parsePasswdLine('kafka:x:abc:1::/:/bin/sh')).toThrow(/not a passwd entry/);
    expect(() => parsePasswdLine('')).toThrow(/not a passwd entry/);
  });

  it('concurrent lookups of one account share one resolution; a failure is retried on the next call', async () => {
    let calls = 0;
    let fail = true;
    const resolve = async (name: string): Promise<ServiceUser> => {
      calls++;
      await Promise.resolve();
      if (fail) throw new Error('useradd: cannot lock /etc/passwd');
      return { name, uid: 500, gid: 500 };
    };
    const get = serviceUserCache(resolve);
    await expect(Promise.all([get('storm'), get('storm')])).rejects.toThrow(/cannot lock/);
    expect(calls).toBe(1);
    fail = false;
    const [a, b] = await Promise.all([get('storm'), get('storm')]);
    expect(a).toEqual({ name: 'storm', uid: 500, gid: 500 });
    expect(b).toBe(a);
    expect(calls).toBe(2);
  });
});
