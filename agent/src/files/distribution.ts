import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DEFAULT_PACKAGE_MAX_BYTES,
  HactlError,
  type ErrorCode,
  type Logger,
  type PackageInputs,
} from '@hactl/shared';

const MARKER = '.hactl-sha512';
/** Redirects followed on the package's own host (a mirror's `/latest` → versioned path, http → https). */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Where the agent may fetch packages from: the agent's own `--package-host` list (the control plane
 * cannot widen it). Empty: no package is downloaded at all.
 */
export interface DownloadPolicy {
  /** `host` (any port) or `host:port` entries, as `--package-host` takes them. */
  allowedHosts: readonly string[];
  fetchFn?: typeof fetch;
  /** Whole-download timeout; default 30 minutes. */
  timeoutMs?: number;
}

/**
 * Why a package could not be installed, in words that repeat nothing the package server sent: the
 * message travels to the control plane and its API (apply errors, member details), and a URL
 * pointed at an internal address must not turn the agent into a probe that reports status codes or
 * digests of what answered there (issue 16 #5). The server's answer is in the agent's own log.
 */
export class PackageDownloadError extends HactlError {
  constructor(
    readonly reason: PackageFailure,
    message: string,
  ) {
    super(PACKAGE_FAILURES[reason].code, message, { retriable: PACKAGE_FAILURES[reason].retriable });
  }
}

export type PackageFailure =
  | 'host-not-allowed'
  | 'redirect-refused'
  | 'http-error'
  | 'unreachable'
  | 'too-large'
  | 'checksum-mismatch'
  | 'unpack-failed';

/**
 * Each failure's error code, and whether the same download may succeed later (the agent's apply
 * retry reads it, sync/apply-retry.ts). A refused host or redirect is the agent's own policy; a
 * package over its cap or whose bytes do not match the spec's SHA-512 is the same package next
 * time (retrying would download it again and again): those wait for a new desired state. A server
 * that answered with an error or could not be reached may answer later; an unpack that failed
 * after the checksum matched is most likely the disk (full, read-only) and is tried again too.
 */
const PACKAGE_FAILURES: Record<PackageFailure, { code: ErrorCode; retriable: boolean }> = {
  'host-not-allowed': { code: 'permission_denied', retriable: false },
  'redirect-refused': { code: 'permission_denied', retriable: false },
  'http-error': { code: 'unavailable', retriable: true },
  unreachable: { code: 'unavailable', retriable: true },
  'too-large': { code: 'payload_too_large', retriable: false },
  'checksum-mismatch': { code: 'invalid_argument', retriable: false },
  'unpack-failed': { code: 'file_write_failed', retriable: true },
};

/**
 * Whether `url` may be fetched under `allowedHosts`: its host name (and port, when the entry names
 * one) matches an entry. Pure. Returns the refusal message, or undefined when allowed.
 */
export function checkPackageHost(url: string, allowedHosts: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const ok = allowedHosts.some((entry) => {
    const e = new URL(`http://${entry}`);
    return e.hostname.toLowerCase() === u.hostname.toLowerCase() && (e.port === '' || e.port === port);
  });
  if (ok) return undefined;
  return allowedHosts.length
    ? `${u.host} is not one of this agent's package hosts (${allowedHosts.join(', ')}); add it with --package-host on the agent`
    : `this agent downloads no packages: start it with --package-host ${u.host} to allow this host`;
}

/**
 * Makes `pkg.dir` hold the verified, unpacked release: download to a temp file while hashing,
 * refuse a SHA-512 mismatch, unpack (dropping the tarball's top-level directory) into a temp dir,
 * mark it with the digest and rename it into place, then point `<kind>/current` at it. A dir that
 * already carries the right marker is kept as is, so this is cheap to call before every start.
 *
 * The download is fenced: only from `policy.allowedHosts`; redirects only on the same host (and
 * never https → http); at most `pkg.maxBytes` (default 1 GiB) on disk: a larger Content-Length is
 * refused before the body is read, and a body that grows past it is cut off and deleted. Throws a
 * PackageDownloadError whose message says what was wrong without echoing the server's answer.
 */
export async function ensureDistribution(
  pkg: PackageInputs,
  logger: Logger,
  policy: DownloadPolicy,
): Promise<'present' | 'installed'> {
  const marker = path.join(pkg.dir, MARKER);
  if ((await fsp.readFile(marker, 'utf8').catch(() => '')).trim() === pkg.sha512) {
    await pointCurrent(pkg.dir);
    return 'present';
  }
  const refused = checkPackageHost(pkg.url, policy.allowedHosts);
  if (refused)
    throw new PackageDownloadError('host-not-allowed', `package ${pkg.url} not downloaded: ${refused}`);
  const maxBytes = pkg.maxBytes ?? DEFAULT_PACKAGE_MAX_BYTES;
  const parent = path.dirname(pkg.dir);
  await fsp.mkdir(parent, { recursive: true });
  const nonce = crypto.randomBytes(4).toString('hex');
  const download = `${pkg.dir}.download-${nonce}.tgz`;
  const staging = `${pkg.dir}.unpack-${nonce}`;
  const signal = AbortSignal.timeout(policy.timeoutMs ?? 30 * 60_000);
  try {
    logger.info({ url: pkg.url, dir: pkg.dir, max_bytes: maxBytes }, 'downloading distribution');
    const res = await fetchOnSameHost(pkg.url, policy.fetchFn ?? fetch, signal, logger);
    if (!res.ok || !res.body) {
      logger.warn({ url: pkg.url, status: res.status }, 'package server answered with an error');
      await res.body?.cancel().catch(() => undefined);
      throw new PackageDownloadError(
        'http-error',
        `package ${pkg.url} not downloaded: the server answered with an error instead of the package (its answer is in the agent's log)`,
      );
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      logger.warn(
        { url: pkg.url, content_length: declared, max_bytes: maxBytes },
        'package larger than its size cap; not downloaded',
      );
      await res.body.cancel().catch(() => undefined);
      throw tooLarge(pkg.url, maxBytes);
    }
    const hash = crypto.createHash('sha512');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) return done(tooLarge(pkg.url, maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    try {
      await pipeline(body, meter, fs.createWriteStream(download, { mode: 0o600 }));
    } catch (err) {
      if (err instanceof PackageDownloadError) {
        logger.warn(
          { url: pkg.url, max_bytes: maxBytes },
          'package grew past its size cap; download cut off',
        );
        throw err;
      }
      logger.warn({ url: pkg.url, err: String(err) }, 'package download failed');
      throw new PackageDownloadError(
        'unreachable',
        `package ${pkg.url} not downloaded: the transfer failed or timed out (details in the agent's log)`,
      );
    }
    const digest = hash.digest('hex');
    if (digest !== pkg.sha512) {
      logger.warn({ url: pkg.url, expected: pkg.sha512, got: digest, bytes }, 'package SHA-512 mismatch');
      throw new PackageDownloadError(
        'checksum-mismatch',
        `package ${pkg.url}: what the server sent is not the package the spec's sha512 names; refusing to unpack (details in the agent's log)`,
      );
    }
    await fsp.mkdir(staging, { recursive: true });
    await new Promise<void>((resolve, reject) =>
      execFile(
        'tar',
        ['-xzf', download, '-C', staging, '--strip-components=1', '--no-same-owner'],
        { timeout: 10 * 60_000 },
        (err, _out, stderr) =>
          err
            ? reject(
                new PackageDownloadError(
                  'unpack-failed',
                  `unpack ${pkg.url}: ${stderr.trim() || err.message}`,
                ),
              )
            : resolve(),
      ),
    );
    await fsp.writeFile(path.join(staging, MARKER), `${pkg.sha512}\n`);
    await fsp.rm(pkg.dir, { recursive: true, force: true });
    await fsp.rename(staging, pkg.dir);
    await pointCurrent(pkg.dir);
    logger.info({ dir: pkg.dir, bytes }, 'distribution installed');
    return 'installed';
  } finally {
    await fsp.rm(download, { force: true });
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

function tooLarge(url: string, maxBytes: number): PackageDownloadError {
  return new PackageDownloadError(
    'too-large',
    `package ${url} not downloaded: larger than its size cap of ${maxBytes} bytes (distribution.package.maxBytes)`,
  );
}

/**
 * GET `url`, following redirects by hand and only while they stay on the URL's host and scheme
 * (http → https allowed): fetch's own redirect handling would follow a 302 to any address.
 */
async function fetchOnSameHost(
  url: string,
  fetchFn: typeof fetch,
  signal: AbortSignal,
  logger: Logger,
): Promise<Response> {
  const first = new URL(url);
  let current = first;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetchFn(current, { redirect: 'manual', signal });
    } catch (err) {
      logger.warn(
        { url: current.href, err: String((err as { cause?: unknown }).cause ?? err) },
        'package server unreachable',
      );
      throw new PackageDownloadError(
        'unreachable',
        `package ${url} not downloaded: the server could not be reached or did not answer in time (details in the agent's log)`,
      );
    }
    if (!REDIRECT_STATUSES.has(res.status)) return res;
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get('location');
    let next: URL | undefined;
    try {
      next = location ? new URL(location, current) : undefined;
    } catch {
      next = undefined;
    }
    const sameHost =
      next !== undefined &&
      next.host === first.host &&
      (next.protocol === first.protocol || next.protocol === 'https:');
    if (!next || !sameHost || hop >= MAX_REDIRECTS) {
      logger.warn({ url: current.href, status: res.status, location }, 'package redirect not followed');
      const why =
        !next || !sameHost
          ? 'the server redirected to another host (only redirects on the same host are followed)'
          : `more than ${MAX_REDIRECTS} redirects`;
      throw new PackageDownloadError(
        'redirect-refused',
        `package ${url} not downloaded: ${why}; point distribution.package.url at the final location`,
      );
    }
    current = next;
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
