import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger, PackageInputs } from '@hactl/shared';

const MARKER = '.hactl-sha512';

/**
 * Makes `pkg.dir` hold the verified, unpacked release: download to a temp file while hashing,
 * refuse a SHA-512 mismatch, unpack (dropping the tarball's top-level directory) into a temp dir,
 * mark it with the digest and rename it into place, then point `<kind>/current` at it. A dir that
 * already carries the right marker is kept as is, so this is cheap to call before every start.
 */
export async function ensureDistribution(pkg: PackageInputs, logger: Logger, fetchFn: typeof fetch = fetch): Promise<'present' | 'installed'> {
  const marker = path.join(pkg.dir, MARKER);
  if ((await fsp.readFile(marker, 'utf8').catch(() => '')).trim() === pkg.sha512) {
    await pointCurrent(pkg.dir);
    return 'present';
  }
  const parent = path.dirname(pkg.dir);
  await fsp.mkdir(parent, { recursive: true });
  const nonce = crypto.randomBytes(4).toString('hex');
  const download = `${pkg.dir}.download-${nonce}.tgz`;
  const staging = `${pkg.dir}.unpack-${nonce}`;
  try {
    logger.info({ url: pkg.url, dir: pkg.dir }, 'downloading distribution');
    const res = await fetchFn(pkg.url, { signal: AbortSignal.timeout(30 * 60_000) });
    if (!res.ok || !res.body) throw new Error(`download ${pkg.url}: HTTP ${res.status}`);
    const hash = crypto.createHash('sha512');
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, fs.createWriteStream(download, { mode: 0o600 }));
    const digest = hash.digest('hex');
    if (digest !== pkg.sha512) throw new Error(`download ${pkg.url}: SHA-512 mismatch (expected ${pkg.sha512.slice(0, 16)}…, got ${digest.slice(0, 16)}…); refusing to unpack`);
    await fsp.mkdir(staging, { recursive: true });
    await new Promise<void>((resolve, reject) =>
      execFile('tar', ['-xzf', download, '-C', staging, '--strip-components=1', '--no-same-owner'], { timeout: 10 * 60_000 }, (err, _out, stderr) =>
        err ? reject(new Error(`unpack ${pkg.url}: ${stderr.trim() || err.message}`)) : resolve(),
      ),
    );
    await fsp.writeFile(path.join(staging, MARKER), `${pkg.sha512}\n`);
    await fsp.rm(pkg.dir, { recursive: true, force: true });
    await fsp.rename(staging, pkg.dir);
    await pointCurrent(pkg.dir);
    logger.info({ dir: pkg.dir }, 'distribution installed');
    return 'installed';
  } finally {
    await fsp.rm(download, { force: true });
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

/** `<kind>/current` → the version in use, swapped atomically (symlink beside it, then rename). */
async function pointCurrent(dir: string): Promise<void> {
  const link = path.join(path.dirname(dir), 'current');
  if ((await fsp.readlink(link).catch(() => '')) === path.basename(dir)) return;
  const tmp = `${link}.${crypto.randomBytes(4).toString('hex')}`;
  await fsp.symlink(path.basename(dir), tmp);
  await fsp.rename(tmp, link);
}
