import { describe, expect, it } from 'vitest';
import { problemsOf } from '@hactl/shared';
import { loadConfig } from './config.js';

describe('control plane flags (issue 12)', () => {
  const problems = (argv: string[]) => problemsOf(() => loadConfig({ argv, env: {} }));
  it('--insecure on loopback listeners → accepted; without --insecure TLS is the default', () => {
    expect(
      loadConfig({
        argv: ['--listen-http', '127.0.0.1:1', '--listen-grpc', '127.0.0.2:2', '--insecure'],
        env: {},
      }).insecure,
    ).toBe(true);
    expect(loadConfig({ argv: ['--listen-grpc', '0.0.0.0:7443'], env: {} }).insecure).toBe(false);
  });
  it('--insecure with a listener off loopback → refused for each, saying why', () => {
    expect(
      problems(['--listen-http', '0.0.0.0:7080', '--listen-grpc', '10.0.0.1:7443', '--insecure']),
    ).toEqual([
      expect.stringMatching(
        /^--insecure: refused: --listen-http 0\.0\.0\.0 is not a loopback address; --insecure .* is for loopback development only/,
      ),
      expect.stringMatching(/^--insecure: refused: --listen-grpc 10\.0\.0\.1 is not a loopback address/),
    ]);
  });
  it('--push-slice-hosts takes 1-100000 hosts per turn; 500 by default', () => {
    expect(loadConfig({ argv: [], env: {} }).pushSliceHosts).toBe(500);
    expect(loadConfig({ argv: ['--push-slice-hosts', '1'], env: {} }).pushSliceHosts).toBe(1);
    for (const bad of ['0', '100001', '2.5', 'x'])
      expect(problems(['--push-slice-hosts', bad])).toEqual([
        '--push-slice-hosts: must be an integer between 1 and 100000',
      ]);
  });
  it('--check-replan is off unless given (a development and test check)', () => {
    expect(loadConfig({ argv: [], env: {} }).checkReplan).toBe(false);
    expect(loadConfig({ argv: ['--check-replan'], env: {} }).checkReplan).toBe(true);
  });
  it('--advertise and --tls-name take host names or IPs only', () => {
    expect(problems(['--advertise', 'cp.example.net', '--tls-name', 'a b'])).toEqual([
      '--tls-name: "a b" is not a DNS name or IP address',
    ]);
  });
});

describe('control plane store flags (issue 15)', () => {
  const problems = (argv: string[], env: Record<string, string> = {}) =>
    problemsOf(() => loadConfig({ argv, env }));
  it('--store takes a postgres:// URL (or HACTL_STORE); SQLite stays the default', () => {
    expect(loadConfig({ argv: [], env: {} }).store).toBeUndefined();
    const url = 'postgres://hactl:secret@db.example.net:5432/hactl';
    expect(loadConfig({ argv: ['--store', url, '--leader-lease-ms', '3000'], env: {} })).toMatchObject({
      store: url,
      leaderLeaseMs: 3000,
    });
    expect(loadConfig({ argv: [], env: { HACTL_STORE: 'postgresql://h/db' } }).store).toBe(
      'postgresql://h/db',
    );
  });
  it('a bad URL is refused naming the field and never repeating the URL (it may hold a password)', () => {
    const got = [
      ...problems(['--store', 'mysql://u:pw1@h/db']),
      ...problems(['--store', 'postgres://u:pw2@h']),
      ...problems(['--store', 'not a url pw3']),
    ];
    expect(got).toEqual([
      expect.stringMatching(/^--store: scheme "mysql:" is not supported/),
      expect.stringMatching(/^--store: names no database/),
      expect.stringMatching(/^--store: is not a URL/),
    ]);
    for (const p of got) expect(p).not.toMatch(/pw[123]/);
  });
  it('--leader-lease-ms needs --store and a sane length', () => {
    expect(problems(['--leader-lease-ms', '3000'])).toEqual([
      expect.stringMatching(/^--leader-lease-ms: needs --store/),
    ]);
    expect(problems(['--store', 'postgres://h/db', '--leader-lease-ms', '10'])).toEqual([
      '--leader-lease-ms: must be an integer between 500 and 120000',
    ]);
  });
});
