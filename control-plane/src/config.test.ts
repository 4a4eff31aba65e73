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
  it('--advertise and --tls-name take host names or IPs only', () => {
    expect(problems(['--advertise', 'cp.example.net', '--tls-name', 'a b'])).toEqual([
      '--tls-name: "a b" is not a DNS name or IP address',
    ]);
  });
});
