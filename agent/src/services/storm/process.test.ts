import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceKind } from '@hactl/shared';
import { planStormProcess } from './process.js';
import type { StormAgentInputs } from './inputs.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
/** A recorded /proc/<pid>/cmdline: one argument per line. */
const cmdline = (file: string) =>
  fs
    .readFileSync(path.join(testdata, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

const wire = {
  cluster: 'storm-main',
  role: 'supervisor',
  host: 'storm3',
  address: '127.0.5.13',
  home: '/opt/storm',
  confDir: '/d/storm/storm-main/supervisor-storm3/conf',
  localDir: '/d/storm/storm-main/supervisor-storm3/data',
  logDir: '/d/storm/storm-main/supervisor-storm3/logs',
  zookeeper: { servers: ['127.0.5.1', '127.0.5.2', '127.0.5.3'], port: 2181, root: '/storm-main' },
  nimbusSeeds: ['127.0.5.11'],
  nimbusPort: 6627,
  supervisorThriftPort: 6628,
  slots: [6700, 6701, 6702],
  settings: { 'storm.zookeeper.session.timeout': 4000 },
};

describe('storm process plan', () => {
  it('runs bin/storm <role> --config <instance storm.yaml>, the order upstream 2.8 storm.py accepts', () => {
    // The inputs pass through the shared schema first, as on the wire (InstanceManager.checkInputs).
    const inputs = serviceKind('storm')!.parseInputs(wire) as StormAgentInputs;
    const p = planStormProcess(inputs);
    expect(p.command).toBe('/opt/storm/bin/storm');
    // Upstream 2.8.3 storm.py: `storm --config FILE supervisor` fails with "invalid choice: FILE".
    expect(p.args).toEqual([
      'supervisor',
      '--config',
      '/d/storm/storm-main/supervisor-storm3/conf/storm.yaml',
    ]);
    // RocksDB's native library goes to the member's own dir, not a new file in /tmp per start.
    expect(p.env).toEqual({
      STORM_CONF_DIR: '/d/storm/storm-main/supervisor-storm3/conf',
      ROCKSDB_SHAREDLIB_DIR: '/d/storm/storm-main/supervisor-storm3/data/rocksdb-lib',
    });
    // bin/storm execs java with -Ddaemon.name=<role> and -Dstorm.conf.file=<file>; the conf path
    // alone would also match the supervisor's workers and LogWriters (see below).
    expect(p.adoptMatch).toEqual([
      '/d/storm/storm-main/supervisor-storm3/conf/storm.yaml',
      '-Ddaemon.name=supervisor',
    ]);
    expect(p.logFile).toBe('/d/storm/storm-main/supervisor-storm3/logs/supervisor.out');
    expect(p.serviceLogFiles).toEqual(['/d/storm/storm-main/supervisor-storm3/logs/supervisor.log']);
    expect(p.dirs).toEqual([
      inputs.confDir,
      inputs.localDir,
      `${inputs.localDir}/rocksdb-lib`,
      inputs.logDir,
    ]);
  });

  it('nimbus and ui differ only in the role argument, the daemon name and the log files', () => {
    const base = serviceKind('storm')!.parseInputs({ ...wire, role: 'ui', uiPort: 8080 }) as StormAgentInputs;
    expect(planStormProcess(base).args[0]).toBe('ui');
    const nimbus = planStormProcess({ ...base, role: 'nimbus' });
    expect(nimbus.logFile).toMatch(/\/nimbus\.out$/);
    expect(nimbus.adoptMatch).toContain('-Ddaemon.name=nimbus');
  });

  it('adoption: the daemon matches, its workers and LogWriters (recorded command lines) do not', () => {
    const inputs = serviceKind('storm')!.parseInputs(wire) as StormAgentInputs;
    const match = planStormProcess(inputs).adoptMatch;
    const adopts = (argv: string[]) => match.every((m) => argv.some((a) => a.includes(m)));
    for (const [file, want] of [
      ['cmdline-supervisor-storm2.8.3.txt', true],
      ['cmdline-worker-storm2.8.3.txt', false],
      ['cmdline-logwriter-storm2.8.3.txt', false],
      // another role's daemon under the same conf path (not hactl's layout, but the name decides)
      ['cmdline-nimbus-storm2.8.3.txt', false],
    ] as const) {
      const recorded = cmdline(file);
      // The recorded lines ran under another conf dir; put this instance's in its place.
      const argv = recorded.map((a) =>
        a.replace(/^-Dstorm\.conf\.file=.*$/, `-Dstorm.conf.file=${inputs.confDir}/storm.yaml`),
      );
      expect(argv.some((a) => a.startsWith('-Dstorm.conf.file='))).toBe(true);
      expect([file, adopts(argv)]).toEqual([file, want]);
    }
  });
});
