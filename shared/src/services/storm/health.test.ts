import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkStormHealth } from './health.js';
import { planStorm } from './plan.js';
import { validateStormSpec, type StormSpec } from './spec.js';
import {
  parseStormProbe,
  type NimbusProbe,
  type StormProbe,
  type SupervisorProbe,
  type UiProbe,
} from './probe.js';
import type { InstanceObservation, ProcessState } from '../../domain.js';
import type { FleetContext } from '../types.js';
import { stormTestFleet } from '../../testing/storm-fleet.js';
import { clusterSpecMap } from '../fleet-context.js';

const NOW = 1_800_000_000_000;
const fleet = stormTestFleet({ dataRoot: '/d', zookeeperHome: '/zk' });
const zk = [...fleet.clusters.values()][0]!;
function specOf(over: Record<string, unknown> = {}): StormSpec {
  const v = validateStormSpec(
    {
      name: 'storm-main',
      kind: 'storm',
      distribution: { home: '/opt/storm' },
      zookeeper: 'zk-main',
      nimbus: { hosts: ['storm1', 'storm2'] },
      supervisors: { hosts: ['storm3', 'storm4'], slots: [6700, 6701, 6702] },
      ui: { host: 'storm1' },
      ...over,
    },
    fleet,
  );
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.spec;
}

const leader: NimbusProbe = {
  role: 'nimbus',
  ok: true,
  listening: true,
  registered: true,
  isLeader: true,
  leader: '127.0.5.11:6627',
};
const follower: NimbusProbe = {
  role: 'nimbus',
  ok: true,
  listening: true,
  registered: true,
  isLeader: false,
  leader: '127.0.5.11:6627',
};
const sup: SupervisorProbe = {
  role: 'supervisor',
  ok: true,
  listening: true,
  registered: true,
  slots: [6700, 6701, 6702],
};
const unregistered: SupervisorProbe = { role: 'supervisor', ok: true, listening: true, registered: false };
const ui: UiProbe = {
  role: 'ui',
  ok: true,
  serving: true,
  nimbuses: [{ host: '127.0.5.11', port: 6627, status: 'Leader' }],
  supervisors: 2,
  slotsTotal: 6,
  slotsUsed: 0,
  topologies: 0,
};
const uiNoLeader: UiProbe = {
  role: 'ui',
  ok: true,
  serving: false,
  error: 'HTTP 500: NimbusLeaderNotFoundException',
};

type Obs = [
  id: string,
  host: string,
  probe: StormProbe | undefined,
  process?: ProcessState,
  probeAgeMs?: number,
];
function health(spec: StormSpec, list: Obs[], lagging: string[] = []) {
  const plans = planStorm(spec, fleet);
  const observations = new Map<string, InstanceObservation>(
    list.map(([id, host, probe, process = probe ? 'running' : 'crashed', age = 500]) => [
      `storm-main/${id}`,
      {
        id: `storm-main/${id}`,
        hostId: host,
        process,
        pid: process === 'running' ? 100 : 0,
        restarts: 0,
        detail: '',
        restartPending: false,
        probeAt: probe ? NOW - age : 0,
        probe,
        reportedAt: NOW,
      },
    ]),
  );
  return checkStormHealth({
    spec,
    plans,
    observations,
    lagging: new Set(lagging),
    hostNames: new Map(fleet.hosts.map((h) => [h.id, h.name])),
    now: NOW,
    staleAfterMs: 10_000,
  });
}
const whole = (over: Partial<Record<string, StormProbe | undefined>> = {}): Obs[] => [
  ['nimbus-storm1', 'storm1', 'nimbus-storm1' in over ? over['nimbus-storm1'] : leader],
  ['nimbus-storm2', 'storm2', undefined, 'stopped'],
  ['supervisor-storm3', 'storm3', 'supervisor-storm3' in over ? over['supervisor-storm3'] : sup],
  ['supervisor-storm4', 'storm4', 'supervisor-storm4' in over ? over['supervisor-storm4'] : sup],
  ['ui', 'storm1', 'ui' in over ? over.ui : ui],
];

describe('storm health rollup', () => {
  const manual = specOf();
  it('manual failover: one leader, standby stopped, 2 supervisors, 6 slots → healthy', () => {
    const s = health(manual, whole());
    expect(s).toMatchObject({ health: 'healthy', reason: 'nimbus leader storm1, 2/2 supervisors, 6 slots' });
    expect(s.members.map((m) => [m.id, m.mode])).toEqual([
      ['nimbus-storm1', 'leader'],
      ['nimbus-storm2', 'standby'],
      ['supervisor-storm3', 'registered'],
      ['supervisor-storm4', 'registered'],
      ['ui', 'serving'],
    ]);
    expect(s.members[1]!.detail).toMatch(/standby \(manual failover\)/);
    expect(s.members[2]).toMatchObject({ slots: 3, port: 6628, address: '127.0.5.13' });
  });
  it('a supervisor not registered → degraded, named', () => {
    const s = health(
      manual,
      whole({ 'supervisor-storm4': unregistered, ui: { ...ui, supervisors: 1, slotsTotal: 3 } }),
    );
    expect(s.health).toBe('degraded');
    expect(s.reason).toBe(
      'nimbus leader storm1, 1/2 supervisors, 3/6 slots; supervisor storm4 is not registered; the UI counts 1 supervisors',
    );
  });
  it('a supervisor crashed but its znode lingers until session expiry → degraded on the process state', () => {
    const s = health(manual, whole({ 'supervisor-storm3': undefined }));
    expect(s.health).toBe('degraded');
    expect(s.reason).toMatch(/supervisor storm3 is not registered; supervisor storm3 process crashed/);
  });
  it('fewer slots than planned → degraded', () => {
    expect(health(manual, whole({ ui: { ...ui, slotsTotal: 4 } }))).toMatchObject({
      health: 'degraded',
      reason: 'nimbus leader storm1, 2/2 supervisors, 4/6 slots; 4 of 6 slots offered',
    });
  });
  it('the standby nimbus running in manual mode is a problem (two nimbus processes)', () => {
    const list = whole();
    list[1] = ['nimbus-storm2', 'storm2', follower, 'running'];
    expect(health(manual, list)).toMatchObject({
      health: 'degraded',
      reason: expect.stringMatching(/standby nimbus storm2 is running/),
    });
  });
  it('no leader: nimbus down and the UI answers 500 → down', () => {
    const s = health(manual, whole({ 'nimbus-storm1': undefined, ui: uiNoLeader }));
    expect(s.health).toBe('down');
    expect(s.reason).toMatch(/^no nimbus leader/);
  });
  it("native: no leader because the only nimbus holding a topology's code is down → the reason says so", () => {
    const native = specOf({ nimbus: { hosts: ['storm1', 'storm2'], failover: 'native' } });
    const waiting: NimbusProbe = {
      ...follower,
      leader: undefined,
      blobs: [
        { topology: 'counting-1-1700000000', holders: ['127.0.5.11'] },
        { topology: 'other-2-1700000001', holders: ['127.0.5.11', '127.0.5.12'] },
      ],
    };
    const list: Obs[] = [
      ['nimbus-storm1', 'storm1', undefined, 'crashed'],
      ['nimbus-storm2', 'storm2', waiting, 'running'],
      ...whole().slice(2, 4),
      ['ui', 'storm1', uiNoLeader],
    ];
    const s = health(native, list);
    expect(s.health).toBe('down');
    expect(s.reason).toMatch(
      /^no nimbus leader; no running nimbus holds the code of 1 topology: counting-1-1700000000 \(recorded on storm1\) — Storm lets no nimbus lead without it/,
    );
  });
  it('no leader and the UI answering 500: the supervisors still count from their own registrations', () => {
    const s = health(manual, whole({ 'nimbus-storm1': undefined, ui: uiNoLeader }));
    expect(s.reason).toMatch(/^no nimbus leader; 2\/2 supervisors, 6 slots; .*ui on storm1 is not serving/);
  });
  it('a nimbus that is up but does not hold the latch is not a leader', () => {
    expect(health(manual, whole({ 'nimbus-storm1': follower, ui: uiNoLeader })).health).toBe('down');
  });
  it('the UI alone can name the leader (it reaches it over Thrift)', () => {
    const s = health(
      manual,
      whole({
        'nimbus-storm1': {
          ...leader,
          ok: false,
          registered: false,
          isLeader: false,
          error: 'ZooKeeper timed out',
        },
      }),
    );
    expect(s.health).toBe('degraded');
    expect(s.reason).toMatch(/^nimbus leader storm1, .*nimbus storm1 is not serving/);
  });
  it('a stale leader probe does not count', () => {
    const list = whole({ ui: uiNoLeader });
    list[0] = ['nimbus-storm1', 'storm1', leader, 'running', 60_000];
    expect(health(manual, list).health).toBe('down');
  });
  it('native failover: both run, one leads → healthy; two leaders → degraded with both named', () => {
    const native = specOf({ nimbus: { hosts: ['storm1', 'storm2'], failover: 'native' } });
    const list = whole();
    list[1] = ['nimbus-storm2', 'storm2', follower];
    expect(health(native, list).health).toBe('healthy');
    expect(health(native, list).members[1]!.mode).toBe('not-a-leader');
    list[1] = ['nimbus-storm2', 'storm2', { ...leader, leader: '127.0.5.12:6627' }];
    expect(health(native, list)).toMatchObject({
      health: 'degraded',
      reason: '2 nimbus leaders claimed (storm1, storm2)',
    });
  });
  it('without a UI the supervisor probes carry the counts', () => {
    const { ui: _ui, ...noUi } = specOf();
    const spec = { ...noUi } as StormSpec;
    expect(health(spec, whole().slice(0, 4))).toMatchObject({
      health: 'healthy',
      reason: 'nimbus leader storm1, 2/2 supervisors, 6 slots',
    });
  });
  it('nothing reported yet → pending; a probe of the wrong role is ignored', () => {
    expect(health(manual, [], ['storm1', 'storm3', 'storm4']).health).toBe('pending');
    expect(health(manual, []).reason).toBe('waiting for the first probe reports');
    expect(health(manual, whole({ 'nimbus-storm1': sup as StormProbe, ui: uiNoLeader })).health).toBe('down');
  });
});

describe('storm health from probes recorded on real Storm 2.8.3 (testdata/README.md)', () => {
  // The e2e lab: storm1..4 on 10.77.5.21-24, no UI (there is none to assemble), manual failover.
  const recorded = JSON.parse(
    fs.readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'probe-healthy-storm2.8.3.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const labFleet: FleetContext = {
    hosts: [
      ...[1, 2, 3].map((i) => ({
        id: `zk${i}`,
        name: `zk${i}`,
        address: `10.77.5.1${i}`,
        dataRoot: '/d',
        labels: {},
      })),
      ...[1, 2, 3, 4].map((i) => ({
        id: `storm${i}`,
        name: `storm${i}`,
        address: `10.77.5.2${i}`,
        dataRoot: '/d',
        labels: {},
      })),
    ],
    clusters: clusterSpecMap([zk]),
  };
  it('the leader latch id host:port:tlsPort and both supervisors → healthy, the leader named by host', () => {
    const v = validateStormSpec(
      {
        name: 'storm-main',
        kind: 'storm',
        distribution: { home: '/opt/storm' },
        zookeeper: 'zk-main',
        nimbus: { hosts: ['storm1', 'storm2'] },
        supervisors: { hosts: ['storm3', 'storm4'], slots: [6700, 6701, 6702] },
      },
      labFleet,
    );
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const probe = (host: string) => parseStormProbe(recorded[host]);
    expect(probe('storm1')).toMatchObject({ isLeader: true, leader: '10.77.5.21:6627:0' });
    const obs = (id: string, host: string, p: StormProbe | undefined): [string, InstanceObservation] => [
      `storm-main/${id}`,
      {
        id: `storm-main/${id}`,
        hostId: host,
        process: p ? 'running' : 'stopped',
        pid: p ? 100 : 0,
        restarts: 0,
        detail: '',
        restartPending: false,
        probeAt: p ? NOW - 500 : 0,
        probe: p,
        reportedAt: NOW,
      },
    ];
    const observations = new Map([
      obs('nimbus-storm1', 'storm1', probe('storm1')),
      obs('nimbus-storm2', 'storm2', undefined),
      obs('supervisor-storm3', 'storm3', probe('storm3')),
      obs('supervisor-storm4', 'storm4', probe('storm4')),
    ]);
    const s = checkStormHealth({
      spec: v.spec,
      plans: planStorm(v.spec, labFleet),
      observations,
      lagging: new Set(),
      hostNames: new Map(labFleet.hosts.map((h) => [h.id, h.name])),
      now: NOW,
      staleAfterMs: 10_000,
    });
    expect(s).toMatchObject({ health: 'healthy', reason: 'nimbus leader storm1, 2/2 supervisors, 6 slots' });
    expect(s.members[0]).toMatchObject({ mode: 'leader', leader: 'storm1' });
  });
});
