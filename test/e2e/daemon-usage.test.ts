/**
 * The two daemons answer `--help` the way a new operator expects: usage on stdout, exit 0; an
 * unknown option names itself, shows the usage on stderr and exits 2. (A new-user trial found
 * `hactl-control-plane --help` treated as an unknown option.)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.each([
  ['hactl-control-plane', 'control-plane/dist/main.js'],
  ['hactl-agent', 'agent/dist/main.js'],
])('%s usage', (name, main) => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO, main), ...args], { encoding: 'utf8', timeout: 20_000 });

  it.each([['--help'], ['-h']])('%s prints the usage on stdout and exits 0 without starting', (flag) => {
    const r = run(flag);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^usage: ${name} `));
  });

  it('an unknown option is named on stderr with the usage, exit 2', () => {
    const r = run('--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${name}: Unknown option '--no-such-flag'`);
    expect(r.stderr).toContain(`usage: ${name} `);
  });
});
