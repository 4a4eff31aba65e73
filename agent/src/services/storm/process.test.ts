import { describe, it, expect } from 'vitest';
import { serviceKind } from '@hactl/shared';
import { planStormProcess } from './process.js';
import type { StormAgentInputs } from './inputs.js';

const wire = {
  cluster: 'storm-main', role: 'supervisor', host: 'storm3', address: '127.0.5.13', home: '/opt/storm',
  confDir: '/d/storm/storm-main/supervisor-storm3/conf', localDir: '/d/storm/storm-main/supervisor-storm3/data', logDir: '/d/storm/storm-main/supervisor-storm3/logs',
  zookeeper: { servers: ['127.0.5.1', '127.0.5.2', '127.0.5.3'], port: 2181, root: '/storm-main' },
  nimbusSeeds: ['127.0.5.11'], nimbusPort: 6627, supervisorThriftPort: 6628, slots: [6700, 6701, 6702], settings: { 'storm.zookeeper.session.timeout': 4000 },
};

describe('storm process plan', () => {
  it('runs bin/storm --config <instance storm.yaml> <role>; the conf path identifies the process for adoption', () => {
    // The inputs pass through the shared schema first, as on the wire (InstanceManager.checkInputs).
    const inputs = serviceKind('storm')!.parseInputs(wire) as StormAgentInputs;
    const p = planStormProcess(inputs);
    expect(p.command).toBe('/opt/storm/bin/storm');
    expect(p.args).toEqual(['--config', '/d/storm/storm-main/supervisor-storm3/conf/storm.yaml', 'supervisor']);
    expect(p.env).toEqual({ STORM_CONF_DIR: '/d/storm/storm-main/supervisor-storm3/conf' });
    // Real bin/storm execs java with -Dstorm.conf.file=<file>, which contains the match string.
    expect(p.adoptMatch).toEqual(['/d/storm/storm-main/supervisor-storm3/conf/storm.yaml']);
    expect(p.logFile).toBe('/d/storm/storm-main/supervisor-storm3/logs/supervisor.out');
    expect(p.dirs).toEqual([inputs.confDir, inputs.localDir, inputs.logDir]);
  });

  it('nimbus and ui differ only in the role argument and the log file', () => {
    const base = serviceKind('storm')!.parseInputs({ ...wire, role: 'ui', uiPort: 8080 }) as StormAgentInputs;
    expect(planStormProcess(base).args.at(-1)).toBe('ui');
    expect(planStormProcess({ ...base, role: 'nimbus' }).logFile).toMatch(/\/nimbus\.out$/);
  });
});
