import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A system account a service runs under: numeric ids as spawn(2)'s setuid/setgid want them. */
export interface ServiceUser {
  name: string;
  uid: number;
  gid: number;
}

/** Account names hactl accepts: what useradd(8) accepts for a system user, without the edge cases. */
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Parses one getent(1) passwd line (`name:x:uid:gid:gecos:home:shell`) into ids.
 * Throws on a line that is not in that shape.
 */
export function parsePasswdLine(line: string): ServiceUser {
  const f = line.trim().split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (f.length < 7 || !f[0] || !Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`not a passwd entry: ${JSON.stringify(line)}`);
  return { name: f[0], uid, gid };
}

/**
 * Looks up the system account `name`, creating it when missing, as the upstream packages do
 * (Debian's zookeeper, Elastic's elasticsearch .deb: a system user with its own group, no login
 * shell, no home directory). Needs root to create; throws with useradd's message otherwise.
 */
export async function ensureServiceUser(name: string): Promise<ServiceUser> {
  if (!USER_RE.test(name)) throw new Error(`invalid service user name ${JSON.stringify(name)}`);
  const lookup = async (): Promise<ServiceUser | undefined> => {
    try {
      const { stdout } = await run('getent', ['passwd', name]);
      return parsePasswdLine(stdout.split('\n')[0] ?? '');
    } catch (err) {
      // getent exits 2 when the key is not found.
      if ((err as { code?: unknown }).code === 2) return undefined;
      throw err;
    }
  };
  const found = await lookup();
  if (found) return found;
  try {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  } catch (err) {
    // Exit 9: another agent on this machine created it first; the lookup below finds it.
    if ((err as { code?: unknown }).code !== 9)
      throw new Error(
        `cannot create service user ${name}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`,
      );
  }
  const created = await lookup();
  if (!created) throw new Error(`service user ${name} missing after useradd`);
  return created;
}

/** Resolves each account once per agent process; concurrent callers share one lookup. */
export function serviceUserCache(
  resolve: (name: string) => Promise<ServiceUser> = ensureServiceUser,
): (name: string) => Promise<ServiceUser> {
  const cache = new Map<string, Promise<ServiceUser>>();
  return (name) => {
    let p = cache.get(name);
    if (!p) {
      p = resolve(name);
      // A failure is not cached: the next start tries again (useradd may have been fixed meanwhile).
      p.catch(() => cache.delete(name));
      cache.set(name, p);
    }
    return p;
  };
}
