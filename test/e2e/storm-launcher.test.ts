import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { distHome } from '../src/lab/dist.js';

const run = promisify(execFile);

/**
 * The assembled Storm's bin/storm reads a daemon's configuration with hactl.storm.ConfigValues (one
 * JVM for several keys) where upstream's storm.py starts org.apache.storm.command.ConfigValue once per
 * key. Both are run here on the same storm.yaml and `-c` overrides, and must answer alike: a string
 * with quotes, a list (joined with spaces), a default from defaults.yaml, an override, a missing key.
 */
describe('e2e: bin/storm reads configuration values as upstream ConfigValue does (real Storm 2.8.3)', () => {
  const home = distHome('storm');
  let dir = '';
  const conf = () => path.join(dir, 'storm.yaml');
  const overrides = ['nope=1', 'storm.zookeeper.servers=["a","b"]'];
  const KNOWN: Record<string, string> = {
    'worker.childopts': '-Xmx192m -XX:+UseSerialGC',
    nope: '1',
    'storm.zookeeper.servers': 'a b',
    'not.a.key': '',
  };

  /** Upstream's reader, one JVM per key, with bin/storm's class path and -Dstorm.options encoding. */
  async function upstream(key: string): Promise<string> {
    const options = overrides.map((o) => encodeURIComponent(o).replace(/%20/g, '+')).join(',');
    const { stdout } = await run('java', [
      `-Dstorm.options=${options}`,
      `-Dstorm.conf.file=${conf()}`,
      '-cp',
      `${home}/*:${home}/lib/*:${home}/extlib/*:${home}/extlib-daemon/*:${dir}`,
      'org.apache.storm.command.ConfigValue',
      key,
    ]);
    const value = /^VALUE: ?(.*)$/m.exec(stdout)![1]!;
    return value === 'null' ? '' : value;
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-storm-launcher-'));
    fs.writeFileSync(
      conf(),
      [
        'nimbus.seeds: ["127.0.0.1"]',
        `nimbus.childopts: "-Xmx256m -XX:+UseSerialGC -Dx='a b'"`,
        'worker.childopts: ["-Xmx192m", "-XX:+UseSerialGC"]',
        `storm.log.dir: "${dir}/logs"`,
        '',
      ].join('\n'),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    'nimbus.childopts',
    'worker.childopts',
    'storm.log.dir',
    'java.library.path',
    'nope',
    'storm.zookeeper.servers',
    'not.a.key',
  ])('%s', async (key) => {
    const { stdout } = await run(path.join(home, 'bin', 'storm'), [
      '--config',
      conf(),
      ...overrides.flatMap((o) => ['-c', o]),
      'localconfvalue',
      key,
    ]);
    const ours = stdout.trim().slice(`${key}: `.length);
    expect(ours).toBe(await upstream(key));
    // Both readers answer something real, not two empty strings that happen to agree.
    if (key in KNOWN) expect(ours).toBe(KNOWN[key]);
  });
});
