import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HactlError } from '@hactl/shared';

/** What `writeFileIfChanged` did, as controller-runtime's CreateOrUpdate reports it. */
export type WriteOutcome = 'unchanged' | 'created' | 'updated';

export interface WriteFileOptions {
  /** Permission bits (e.g. 0o640). Omitted: a new file gets 0o666 minus umask, an existing file keeps its mode. */
  mode?: number;
}

/** Thrown when a file cannot be read, written, renamed or removed; `cause` is the fs error. */
export class FileWriteError extends HactlError {
  readonly path: string;
  constructor(path: string, op: string, cause: unknown) {
    super('file_write_failed', `${op} ${path}: ${errnoMessage(cause)}`, {
      retriable: isTransient(cause),
      cause,
    });
    this.path = path;
  }
}

/**
 * Writes `content` to `path` only when the bytes (or the requested mode) differ from what is there.
 *
 * Nothing is ever half-written (architecture §6): the new bytes go to a temp file in the same
 * directory (rename is atomic only within one filesystem), the temp file is fsynced before the rename
 * so a crash cannot leave a renamed-but-empty file (the ext4 "zero-length file after crash" problem),
 * and the directory is fsynced after the rename so the new directory entry itself is durable.
 * Concurrent writers each use their own temp file, so readers see one writer's content whole;
 * the last rename wins.
 */
export async function writeFileIfChanged(
  path: string,
  content: string | Buffer,
  opts: WriteFileOptions = {},
): Promise<WriteOutcome> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const existing = await readExisting(path);
  const wantMode = opts.mode === undefined ? undefined : opts.mode & 0o7777;
  if (existing && existing.bytes.equals(data) && (wantMode === undefined || existing.mode === wantMode)) {
    return 'unchanged';
  }
  if (existing && existing.bytes.equals(data) && wantMode !== undefined) {
    // Only the mode differs: chmod is atomic on its own, no need to rewrite the bytes.
    await wrap(path, 'chmod', () => chmod(path, wantMode));
    return 'updated';
  }

  const dir = dirname(path);
  await wrap(dir, 'mkdir', () => mkdir(dir, { recursive: true }));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', wantMode ?? existing?.mode ?? 0o666);
    try {
      await fh.writeFile(data);
      // open()'s mode is filtered by the umask; chmod sets exactly what was asked for.
      const mode = wantMode ?? existing?.mode;
      if (mode !== undefined) await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new FileWriteError(path, 'write', err);
  }
  await syncDir(dir);
  return existing ? 'updated' : 'created';
}

/** Removes `path` if it is there (and makes the removal durable); reports whether it was. */
export async function removeFileIfExists(path: string): Promise<'removed' | 'absent'> {
  try {
    await unlink(path);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return 'absent';
    throw new FileWriteError(path, 'unlink', err);
  }
  await syncDir(dirname(path));
  return 'removed';
}

async function readExisting(path: string): Promise<{ bytes: Buffer; mode: number } | undefined> {
  try {
    const [bytes, st] = await Promise.all([readFile(path), stat(path)]);
    return { bytes, mode: st.mode & 0o7777 };
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw new FileWriteError(path, 'read', err);
  }
}

async function syncDir(dir: string): Promise<void> {
  await wrap(dir, 'fsync', async () => {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

async function wrap<T>(path: string, op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new FileWriteError(path, op, err);
  }
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

function errnoMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// A full disk or a busy file may clear up; a permission error or a directory in the way will not.
function isTransient(err: unknown): boolean {
  const code = errCode(err);
  return (
    code === 'ENOSPC' ||
    code === 'EAGAIN' ||
    code === 'EBUSY' ||
    code === 'EIO' ||
    code === 'EMFILE' ||
    code === 'ENFILE'
  );
}
