import { copyFile, stat, truncate } from 'node:fs/promises';

/**
 * Caps a log file the service writes to directly, by copytruncate (as logrotate's `copytruncate`):
 * copy to `<path>.1` (replacing the previous .1), then truncate the original to 0. The service keeps
 * its O_APPEND descriptor and simply continues at the new end of file; it never needs to reopen.
 *
 * Loss window: lines the service writes between the end of the copy and the truncate are lost (in
 * neither file). It is the price of never signalling the service; with a check every few seconds and a
 * copy of a few MB it is milliseconds.
 */
export async function applyLogCap(
  path: string,
  maxBytes: number,
): Promise<{ rotated: boolean; size: number }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rotated: false, size: 0 };
    throw err;
  }
  if (size <= maxBytes) return { rotated: false, size };
  await copyFile(path, `${path}.1`);
  await truncate(path, 0);
  return { rotated: true, size };
}
