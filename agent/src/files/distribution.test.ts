import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { nullLogger } from '@hactl/shared';
import { checkPackageHost, ensureDistribution, PackageDownloadError } from './distribution.js';

// Loopback only: the package server on 127.0.0.1, an "internal" service on 127.0.0.2.
let dir: string;
let server: http.Server;
let internal: http.Server;
let base: string;
let internalBase: string;
let tarball: Buffer;
let sha512: string;
let hits: string[] = [];
let internalHits = 0;
/** Bytes the endless route managed to send before the client hung up. */
let endlessSent = 0;
const ALLOW = { allowedHosts: ['127.0.0.1'] };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-dist-'));
  fs.mkdirSync(path.join(dir, 'src/kafka_2.13-3.9.0/bin'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'src/kafka_2.13-3.9.0/bin/kafka-server-start.sh'),
    '#!/bin/sh\necho kafka\n',
    { mode: 0o755 },
  );
  execFileSync('tar', ['-czf', path.join(dir, 'kafka.tgz'), '-C', path.join(dir, 'src'), 'kafka_2.13-3.9.0']);
  tarball = fs.readFileSync(path.join(dir, 'kafka.tgz'));
  sha512 = crypto.createHash('sha512').update(tarball).digest('hex');
  internal = http.createServer((_req, res) => {
    internalHits++;
    res.end('secret admin page');
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.2', () => r()));
  internalBase = `http://127.0.0.2:${(internal.address() as AddressInfo).port}`;
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/kafka.tgz') res.end(tarball);
    else if (req.url === '/latest') res.writeHead(302, { location: '/kafka.tgz' }).end();
    else if (req.url === '/to-internal') res.writeHead(302, { location: `${internalBase}/admin` }).end();
    else if (req.url === '/big-declared')
      res.writeHead(200, { 'content-length': String(300 * 1024 * 1024) }).end();
    else if (req.url === '/endless') {
      // A body without Content-Length that never ends (300 MB landed on disk before the checksum refused one).
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (res.write(chunk)) {
          endlessSent += chunk.length;
          if (endlessSent > 64 * 1024 * 1024) return res.end();
        }
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    } else res.writeHead(404).end('not found: /etc/shadow is elsewhere');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => internal.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  hits = [];
  internalHits = 0;
});

const target = (name: string) => path.join(dir, name, 'distributions/kafka', sha512.slice(0, 16));
const leftovers = (t: string) => (fs.existsSync(path.dirname(t)) ? fs.readdirSync(path.dirname(t)) : []);

describe('package distributions', () => {
  it('downloads, verifies the SHA-512, unpacks without the top-level dir and points current at it; a second call reuses it', async () => {
    const t = target('root');
    expect(await ensureDistribution({ url: `${base}/kafka.tgz`, sha512, dir: t }, nullLogger, ALLOW)).toBe(
      'installed',
    );
    expect(fs.readFileSync(path.join(t, 'bin/kafka-server-start.sh'), 'utf8')).toContain('echo kafka');
    expect(fs.readlinkSync(path.join(dir, 'root/distributions/kafka/current'))).toBe(sha512.slice(0, 16));
    expect(await ensureDistribution({ url: `${base}/kafka.tgz`, sha512, dir: t }, nullLogger, ALLOW)).toBe(
      'present',
    );
    expect(hits).toEqual(['/kafka.tgz']);
    expect(leftovers(t).sort()).toEqual(['current', sha512.slice(0, 16)].sort());
  });

  it('a redirect on the same host is followed', async () => {
    expect(
      await ensureDistribution({ url: `${base}/latest`, sha512, dir: target('redirect') }, nullLogger, ALLOW),
    ).toBe('installed');
    expect(hits).toEqual(['/latest', '/kafka.tgz']);
  });
});

describe('package downloads are fenced (issue 16 #5)', () => {
  it.each<
    [
      string,
      string,
      { maxBytes?: number; sha?: string; allowedHosts?: string[] },
      PackageDownloadError['reason'],
      RegExp,
    ]
  >([
    [
      "a host not on the agent's --package-host list → refused before any request",
      '/kafka.tgz',
      { allowedHosts: ['mirror.example.net'] },
      'host-not-allowed',
      /127\.0\.0\.1:\d+ is not one of this agent's package hosts \(mirror\.example\.net\)/,
    ],
    [
      'no --package-host at all → no package is downloaded',
      '/kafka.tgz',
      { allowedHosts: [] },
      'host-not-allowed',
      /this agent downloads no packages: start it with --package-host 127\.0\.0\.1:\d+/,
    ],
    [
      'a redirect to another host (an internal address) → not followed',
      '/to-internal',
      {},
      'redirect-refused',
      /redirected to another host/,
    ],
    [
      'a Content-Length above the cap → refused before the body is read',
      '/big-declared',
      { maxBytes: 1024 * 1024 },
      'too-large',
      /larger than its size cap of 1048576 bytes/,
    ],
    [
      'a body without Content-Length that grows past the cap → cut off at the cap',
      '/endless',
      { maxBytes: 2 * 1024 * 1024 },
      'too-large',
      /larger than its size cap of 2097152 bytes/,
    ],
    [
      'an HTTP error → reported without its status or body',
      '/nope.tgz',
      {},
      'http-error',
      /the server answered with an error instead of the package/,
    ],
    [
      'a SHA-512 mismatch → refused without the digest of what came',
      '/kafka.tgz',
      { sha: 'a'.repeat(128) },
      'checksum-mismatch',
      /is not the package the spec's sha512 names; refusing to unpack/,
    ],
  ])('%s', async (_scenario, route, o, reason, message) => {
    const sha = o.sha ?? sha512;
    const t = path.join(dir, `fenced-${reason}`, 'distributions/kafka', sha.slice(0, 16));
    const err = await ensureDistribution(
      { url: `${base}${route}`, sha512: sha, dir: t, ...(o.maxBytes ? { maxBytes: o.maxBytes } : {}) },
      nullLogger,
      { allowedHosts: o.allowedHosts ?? ['127.0.0.1'] },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PackageDownloadError);
    expect((err as PackageDownloadError).reason).toBe(reason);
    expect((err as Error).message).toMatch(message);
    // Nothing of what the server answered travels back: no status code, no body, no digest.
    // The URL and host:port are the agent's own words; they are cut out first because the
    // server's random port can itself contain "404" or "302" (port 40447 did in one CI run).
    const actual = crypto.createHash('sha512').update(tarball).digest('hex');
    const host = new URL(base).host;
    const ownWords = (err as Error).message.split(`${base}${route}`).join('<url>').split(host).join('<host>');
    for (const leak of ['404', 'not found', 'shadow', 'secret', actual.slice(0, 16), '302'])
      expect(ownWords).not.toContain(leak);
    expect(internalHits).toBe(0);
    if (reason === 'host-not-allowed') expect(hits).toEqual([]);
    // Nothing left on disk: no partial download, no staging dir.
    expect(leftovers(t)).toEqual([]);
  });

  it('the cut-off download stops reading near the cap: far less than the 64 MB the server would send', async () => {
    endlessSent = 0;
    const t = path.join(dir, 'endless2/distributions/kafka', sha512.slice(0, 16));
    await expect(
      ensureDistribution(
        { url: `${base}/endless`, sha512, dir: t, maxBytes: 1024 * 1024 },
        nullLogger,
        ALLOW,
      ),
    ).rejects.toThrow(/size cap/);
    // Socket buffers hold a few MB at most beyond what the agent read.
    expect(endlessSent).toBeLessThan(16 * 1024 * 1024);
  });

  it.each<[string, string, string[], boolean]>([
    ['host entry, any port', 'http://mirror.example.net:8080/k.tgz', ['mirror.example.net'], true],
    [
      'host:port entry, other port',
      'http://mirror.example.net:8080/k.tgz',
      ['mirror.example.net:9090'],
      false,
    ],
    [
      'host:port entry, same port',
      'https://mirror.example.net:8443/k.tgz',
      ['mirror.example.net:8443'],
      true,
    ],
    [
      'host:port entry, default https port',
      'https://downloads.apache.org/kafka.tgz',
      ['downloads.apache.org:443'],
      true,
    ],
    ['case-insensitive host', 'https://Downloads.Apache.org/k.tgz', ['downloads.apache.org'], true],
    [
      'a sub-domain is another host',
      'https://evil.downloads.apache.org/k.tgz',
      ['downloads.apache.org'],
      false,
    ],
    ['IPv6 literal', 'http://[::1]:8080/k.tgz', ['[::1]'], true],
  ])('checkPackageHost: %s → %s', (_s, url, allowed, ok) => {
    expect(checkPackageHost(url, allowed) === undefined).toBe(ok);
  });
});
