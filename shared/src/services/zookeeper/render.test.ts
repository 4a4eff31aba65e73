import { describe, it, expect } from 'vitest';
import { planZookeeper } from './plan.js';
import { renderZookeeperFiles, zookeeperLogFile } from './render.js';
import { validateZookeeperSpec } from './spec.js';
import type { FleetContext } from '../types.js';
import { goldenChecker } from '../../testing/golden.js';
import { zookeeperKind } from './index.js';
import { parseZookeeperInputs } from './inputs.js';
import { ValidationError } from '../../errors.js';

const golden = goldenChecker(import.meta.url);

const fleet: FleetContext = {
  hosts: [1, 2, 3].map((i) => ({
    id: `zk${i}`,
    name: `zk${i}`,
    address: `127.0.0.1${i}`,
    dataRoot: '/var/lib/hactl',
    labels: {},
  })),
  clusters: new Map(),
};

function plan(spec: unknown) {
  const v = validateZookeeperSpec(spec, fleet);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return planZookeeper(v.spec, fleet);
}

const ensemble = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  settings: { tickTime: 2000, initLimit: 10, syncLimit: 5, 'autopurge.purgeInterval': 24 },
  members: [
    { host: 'zk3', id: 3 },
    { host: 'zk1', id: 1 },
    { host: 'zk2', id: 2, clientPort: 2182, adminPort: 0 },
  ],
  jvm: { heap: '512m' },
};

describe('zookeeper planner', () => {
  it('one instance per member with myid, resolved ports and default paths under the data root', () => {
    const plans = plan(ensemble);
    expect(plans.map((p) => [p.id, p.hostId])).toEqual([
      ['zk-main/zk-3', 'zk3'],
      ['zk-main/zk-1', 'zk1'],
      ['zk-main/zk-2', 'zk2'],
    ]);
    const z2 = plans[2]!.inputs;
    expect(z2).toMatchObject({
      myid: 2,
      address: '127.0.0.12',
      clientPort: 2182,
      peerPort: 2888,
      electionPort: 3888,
      adminPort: 0,
      dataDir: '/var/lib/hactl/zookeeper/zk-main/2/data',
      confDir: '/var/lib/hactl/zookeeper/zk-main/2/conf',
    });
    expect(z2.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(z2.jvmFlags).toEqual(['-Xms512m', '-Xmx512m']);
    expect(z2.config['4lw.commands.whitelist']).toBe('mntr,ruok,srvr');
  });

  it('keeps a user wildcard whitelist and adds the probe words to a partial one', () => {
    expect(
      plan({ ...ensemble, settings: { '4lw.commands.whitelist': '*' } })[0]!.inputs.config[
        '4lw.commands.whitelist'
      ],
    ).toBe('*');
    expect(
      plan({ ...ensemble, settings: { '4lw.commands.whitelist': 'stat, conf' } })[0]!.inputs.config[
        '4lw.commands.whitelist'
      ],
    ).toBe('conf,mntr,ruok,srvr,stat');
  });

  it('is deterministic', () => {
    expect(JSON.stringify(plan(ensemble))).toBe(JSON.stringify(plan(ensemble)));
  });
});

describe('zookeeper renderer (golden files)', () => {
  it('ensemble member zoo.cfg', () => {
    const files = renderZookeeperFiles(plan(ensemble)[1]!.inputs);
    expect(files.map((f) => f.path)).toEqual([
      '/var/lib/hactl/zookeeper/zk-main/1/conf/zoo.cfg',
      '/var/lib/hactl/zookeeper/zk-main/1/conf/logback.xml',
      '/var/lib/hactl/zookeeper/zk-main/1/data/myid',
    ]);
    golden('ensemble-member-1.zoo.cfg', files[0]!.content);
    expect(files[2]!.content).toBe('1\n');
  });

  it('member logback.xml: zookeeper.log in the member log dir, rolled by size, default 10 old files', () => {
    const files = renderZookeeperFiles(plan(ensemble)[1]!.inputs);
    golden('ensemble-member-1.logback.xml', files[1]!.content);
    expect(zookeeperLogFile(plan(ensemble)[1]!.inputs)).toBe(
      '/var/lib/hactl/zookeeper/zk-main/1/logs/zookeeper.log',
    );
  });

  it('logging settings from the spec: size, count and level', () => {
    const content = renderZookeeperFiles(
      plan({ ...ensemble, logging: { maxFileSize: '5MB', maxFiles: 3, level: 'WARN' } })[0]!.inputs,
    )[1]!.content;
    golden('logging-5MB-3-files-warn.logback.xml', content);
  });

  it('inputs from an older control plane (no logging) render the defaults', () => {
    const { logging: _logging, ...old } = plan(ensemble)[1]!.inputs;
    expect(renderZookeeperFiles(old)[1]!.content).toBe(
      renderZookeeperFiles(plan(ensemble)[1]!.inputs)[1]!.content,
    );
  });

  it('member with the AdminServer off and a custom client port', () => {
    golden(
      'ensemble-member-2-admin-off.zoo.cfg',
      renderZookeeperFiles(plan(ensemble)[2]!.inputs)[0]!.content,
    );
  });

  it('standalone server has no server.N lines', () => {
    const content = renderZookeeperFiles(
      plan({ ...ensemble, members: [{ host: 'zk1', id: 7 }] })[0]!.inputs,
    )[0]!.content;
    golden('standalone.zoo.cfg', content);
    expect(content).not.toMatch(/^server\./m);
  });

  it('cluster-wide dataDir setting', () => {
    golden(
      'cluster-datadir.zoo.cfg',
      renderZookeeperFiles(plan({ ...ensemble, settings: { dataDir: '/data/zk' } })[0]!.inputs)[0]!.content,
    );
  });

  it('paths are rendered and claimed in normal form (issue 16 #1)', () => {
    const tidy = plan({ ...ensemble, settings: { dataDir: '/data/zk', dataLogDir: '/txlog/zk' } })[0]!.inputs;
    const messy = plan({ ...ensemble, settings: { dataDir: '/data//zk/', dataLogDir: '/txlog//zk/' } })[0]!
      .inputs;
    expect(renderZookeeperFiles(messy)).toEqual(renderZookeeperFiles(tidy));
    expect(renderZookeeperFiles(messy)[0]!.content).toMatch(/^dataLogDir=\/txlog\/zk$/m);
    expect(zookeeperKind.claims(messy).dirs).toEqual(['/data/zk', '/txlog/zk']);
    expect(zookeeperKind.claims(plan(ensemble)[0]!.inputs).dirs).toEqual([
      '/var/lib/hactl/zookeeper/zk-main/3/data',
    ]);
  });

  it('render inputs from the wire: a comma in a path or a non-ASCII zoo.cfg value is refused (issue 16)', () => {
    const inputs = plan(ensemble)[0]!.inputs;
    expect(() => parseZookeeperInputs({ ...inputs, dataDir: '/d1,/d2' })).toThrow(ValidationError);
    expect(() => parseZookeeperInputs({ ...inputs, config: { ...inputs.config, dataLogDir: '/' } })).toThrow(
      ValidationError,
    );
    expect(() =>
      parseZookeeperInputs({ ...inputs, config: { ...inputs.config, 'snapshot.trust.empty': 'trüe' } }),
    ).toThrow(ValidationError);
    expect(parseZookeeperInputs({ ...inputs, dataDir: '/data/zk/' }).dataDir).toBe('/data/zk');
  });
});

describe('IPv6 member addresses (golden)', () => {
  const v6: FleetContext = {
    hosts: [1, 2, 3].map((i) => ({
      id: `zk${i}`,
      name: `zk${i}`,
      address: `fd00:22::${i}`,
      dataRoot: '/var/lib/hactl',
      labels: {},
    })),
    clusters: new Map(),
  };
  it('server.N lines put the address in brackets; clientPortAddress and admin.serverAddress stay bare', () => {
    const spec = validateZookeeperSpec(ensemble, v6);
    if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
    const inputs = planZookeeper(spec.spec, v6)[1]!.inputs;
    expect(parseZookeeperInputs(JSON.parse(JSON.stringify(inputs)))).toEqual(inputs);
    const cfg = renderZookeeperFiles(inputs)[0]!.content;
    golden('ipv6-member-1.zoo.cfg', cfg);
    expect(cfg).toContain('server.2=[fd00:22::2]:2888:3888\n');
    expect(cfg).toContain('clientPortAddress=fd00:22::1\n');
  });
});
