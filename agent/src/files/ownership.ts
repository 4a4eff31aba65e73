import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes `dir` and everything below it owned by `uid:gid`, so a service running as its own account
 * can write its data, logs and pid file. Cheap when nothing changed: the top directory's owner is
 * checked first and the tree is walked only when it differs (a first start, or data left by an agent
 * that ran services as root). Symbolic links are re-owned themselves (lchown), never followed, so a
 * link planted in a data dir cannot hand another file on the host to the service.
 * Throws what chown(2) throws (EPERM when the agent is not root).
 */
export async function ensureOwnedBy(
  dir: string,
  owner: { uid: number; gid: number },
): Promise<'unchanged' | 'updated'> {
  const st = await fs.lstat(dir);
  if (st.uid === owner.uid && st.gid === owner.gid) return 'unchanged';
  const walk = async (p: string): Promise<void> => {
    await fs.lchown(p, owner.uid, owner.gid);
    const s = await fs.lstat(p);
    if (!s.isDirectory()) return;
    for (const name of await fs.readdir(p)) await walk(path.join(p, name));
  };
  await walk(dir);
  return 'updated';
}
