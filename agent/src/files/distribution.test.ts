import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { nullLogger } from '@hactl/shared';
import { ensureDistribution } from './distribution.js';

let dir: string;
let server: http.Server;
let base: string;
let tarball: Buffer;
let sha512: string;
let hits = 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-dist-'));
  fs.mkdirSync(path.join(dir, 'src/kafka_2.13-3.9.0/bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src/kafka_2.13-3.9.0/bin/kafka-server-start.sh'), '#!/bin/sh\necho kafka\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', path.join(dir, 'kafka.tgz'), '-C', path.join(dir, 'src'), 'kafka_2.13-3.9.0']);
  tarball = fs.readFileSync(path.join(dir, 'kafka.tgz'));
  sha512 = crypto.createHash('sha512').update(tarball).digest('hex');
  server = http.createServer((req, res) => {
    hits++;
    if (req.url === '/kafka.tgz') res.end(tarball);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('package distributions', () => {
  it('downloads, verifies the SHA-512, unpacks without the top-level dir and points current at it; a second call reuses it', async () => {
    const target = path.join(dir, 'root/distributions/kafka', sha512.slice(0, 16));
    hits = 0;
    expect(await ensureDistribution({ url: `${base}/kafka.tgz`, sha512, dir: target }, nullLogger)).toBe('installed');
    expect(fs.readFileSync(path.join(target, 'bin/kafka-server-start.sh'), 'utf8')).toContain('echo kafka');
    expect(fs.readlinkSync(path.join(dir, 'root/distributions/kafka/current'))).toBe(sha512.slice(0, 16));
    expect(await ensureDistribution({ url: `${base}/kafka.tgz`, sha512, dir: target }, nullLogger)).toBe('present');
    expect(hits).toBe(1);
    expect(fs.readdirSync(path.dirname(target)).sort()).toEqual(['current', sha512.slice(0, 16)].sort());
  });

  it('a SHA-512 mismatch is refused and leaves nothing behind', async () => {
    const wrong = 'a'.repeat(128);
    const target = path.join(dir, 'bad/distributions/kafka', wrong.slice(0, 16));
    await expect(ensureDistribution({ url: `${base}/kafka.tgz`, sha512: wrong, dir: target }, nullLogger)).rejects.toThrow(/SHA-512 mismatch/);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });

  it('an HTTP error is reported with the status', async () => {
    const target = path.join(dir, 'missing/distributions/kafka/x');
    await expect(ensureDistribution({ url: `${base}/nope.tgz`, sha512, dir: target }, nullLogger)).rejects.toThrow(/HTTP 404/);
  });
});
