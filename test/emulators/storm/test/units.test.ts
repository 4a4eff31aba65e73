import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { deserializeStruct, serializeStruct } from '../src/thrift-protocol.js';
import {
  NIMBUS_SUMMARY,
  SUPERVISOR_INFO,
  decodeNimbusSummary,
  decodeSupervisorInfo,
  encodeNimbusSummary,
  encodeSupervisorInfo,
} from '../src/thrift.js';
import { latchParticipantId, parseNimbusId, planLatch, sortLatchChildren } from '../src/latch-plan.js';
import { prettyUptimeSec, renderNimbusSummary } from '../src/ui-json.js';
import { renderTopologyList } from '../src/list.js';
import {
  defaultConfig,
  loadConfig,
  parseArgs,
  resolveConfPath,
  zkConnectString,
  ConfigError,
} from '../src/config.js';
import { STORM_VERSION } from '../src/version.js';
import { encodeReply } from '../src/thrift-rpc.js';

/** Answers recorded from real Storm 2.8.3 by test/e2e/storm-real.test.ts (see recorded/README.md). */
const recorded = (f: string) =>
  fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'recorded', f));

describe('storm emulator compared with real Storm 2.8.3 (recorded)', () => {
  it('/nimbuses/<host>: the emulator writes exactly the fields real nimbus writes, in the same encoding', () => {
    const real = zlib.gunzipSync(recorded('nimbus-summary-storm2.8.3.bin.gz'));
    const decoded = deserializeStruct(NIMBUS_SUMMARY, real);
    expect(decoded).toMatchObject({
      host: '10.77.5.21',
      port: 6627,
      isLeader: false,
      version: '2.8.3',
      tlsPort: 0,
    });
    // Re-encoding the decoded values gives the recorded bytes: no field the emulator lacks or adds.
    expect(serializeStruct(NIMBUS_SUMMARY, decoded).equals(real)).toBe(true);
    expect(decodeNimbusSummary(recorded('nimbus-summary-storm2.8.3.bin.gz'))).toEqual(decoded);
    expect(
      zlib
        .gunzipSync(
          encodeNimbusSummary({
            host: '10.77.5.21',
            port: 6627,
            uptime_secs: decoded.uptime_secs as number,
            isLeader: false,
            version: STORM_VERSION,
            tlsPort: 0,
          }),
        )
        .equals(real),
    ).toBe(true);
  });

  it('/supervisors/<id>: the same field set and resources_map keys as real SupervisorInfo', () => {
    const real = zlib.gunzipSync(recorded('supervisor-info-storm2.8.3.bin.gz'));
    const decoded = decodeSupervisorInfo(recorded('supervisor-info-storm2.8.3.bin.gz'));
    expect(decoded).toMatchObject({
      hostname: '10.77.5.23',
      meta: [6700, 6701, 6702],
      server_port: 6628,
      version: '2.8.3',
    });
    expect(serializeStruct(SUPERVISOR_INFO, { ...decoded }).equals(real)).toBe(true);
    // What the emulator's supervisor writes for the same values encodes the same way.
    expect(zlib.gunzipSync(encodeSupervisorInfo(decoded)).equals(real)).toBe(true);
    expect([...decoded.resources_map!.keys()]).toEqual(['cpu.pcore.percent', 'memory.mb']);
    // The id is `<uuid>-<InetAddress.getLocalHost() address>`, not storm.local.hostname.
    expect(decoded.assignment_id).toMatch(/^[0-9a-f-]{36}-127\.0\.0\.1$/);
  });

  it('latch participant id: host:port:tlsPort, as real 2.8.3 writes it', () => {
    const latch = JSON.parse(recorded('znodes-storm2.8.3.json').toString()) as {
      latch: Record<string, string>;
    };
    expect(Object.values(latch.latch)).toEqual([latchParticipantId('10.77.5.21', 6627)]);
  });

  it('storm list: byte for byte the layout real ListTopologies prints', () => {
    expect(renderTopologyList([])).toBe(recorded('storm-list-empty-storm2.8.3.txt').toString());
    const text = recorded('storm-list-storm2.8.3.txt').toString();
    const [name, status, tasks, workers, uptime, id, owner] = text.split('\n')[2]!.trim().split(/ +/);
    const rendered = renderTopologyList([
      {
        name: name!,
        status: status!,
        num_tasks: Number(tasks),
        num_executors: Number(tasks),
        num_workers: Number(workers),
        uptime_secs: Number(uptime),
        id: id!,
        owner: owner!,
      },
    ]);
    expect(rendered).toBe(text);
  });
});

describe('storm emulator: pure parts', () => {
  it('thrift: unknown fields are skipped and missing required fields are rejected', () => {
    const withExtra = serializeStruct([...NIMBUS_SUMMARY, { id: 9, name: 'future', spec: 'i32' }], {
      host: 'h',
      port: 1,
      uptime_secs: 2,
      isLeader: true,
      version: 'v',
      future: 7,
    });
    expect(deserializeStruct(NIMBUS_SUMMARY, withExtra)).toEqual({
      host: 'h',
      port: 1,
      uptime_secs: 2,
      isLeader: true,
      version: 'v',
    });
    expect(() => deserializeStruct(NIMBUS_SUMMARY, Buffer.from([0]))).toThrow(/required field 'host'/);
  });

  it('thrift rpc: unknown methods answer TApplicationException UNKNOWN_METHOD like TBaseProcessor', () => {
    const reply = encodeReply('submitTopology', 7, undefined);
    expect(reply.readInt32BE(0)).toBe(reply.length - 4);
    expect(reply.toString('utf8')).toContain("Invalid method name: 'submitTopology'");
  });

  it('latch: lowest sequence leads, followers watch their predecessor only', () => {
    const a = '_c_11111111-1111-1111-1111-111111111111-latch-0000000002';
    const b = '_c_00000000-0000-0000-0000-000000000000-latch-0000000010';
    const c = '_c_99999999-9999-9999-9999-999999999999-latch-0000000001';
    expect(sortLatchChildren([a, b, c])).toEqual([c, a, b]);
    expect(planLatch([a, b, c], c)).toEqual({ kind: 'leader' });
    expect(planLatch([a, b, c], a)).toEqual({ kind: 'follower', watch: c });
    expect(planLatch([a, b, c], b)).toEqual({ kind: 'follower', watch: a });
    expect(planLatch([a, c], b).kind).toBe('missing');
    expect(parseNimbusId('n1:6627')).toEqual({ host: 'n1', port: 6627 });
    expect(latchParticipantId('n1', 6627)).toBe('n1:6627:0');
    expect(parseNimbusId('n1:6627:0')).toEqual({ host: 'n1', port: 6627 });
    expect(parseNimbusId('')).toBeUndefined();
  });

  it('ui: prettyUptimeSec matches UIHelpers ("3m 33s"; 0 → "")', () => {
    expect(prettyUptimeSec(213)).toBe('3m 33s');
    expect(prettyUptimeSec(90061)).toBe('1d 1h 1m 1s');
    expect(prettyUptimeSec(3600)).toBe('1h 0m 0s');
    expect(prettyUptimeSec(0)).toBe('');
  });

  it('ui: live nimbuses first, then Offline non-localhost seeds with string port', () => {
    const conf = { ...defaultConfig(), 'nimbus.seeds': ['localhost', 'a', 'b'] };
    const out = renderNimbusSummary(
      {
        supervisors: [],
        topologies: [],
        nimbuses: [{ host: 'b', port: 6627, uptime_secs: 213, isLeader: true, version: '2.8.3' }],
      },
      conf,
    );
    expect(out.nimbuses).toEqual([
      {
        host: 'b',
        port: 6627,
        status: 'Leader',
        version: '2.8.3',
        nimbusUpTimeSeconds: 213,
        nimbusUpTime: '3m 33s',
        nimbusLogLink: 'http://b:8000/api/v1/daemonlog?file=nimbus.log',
      },
      {
        host: 'a',
        port: '6627',
        status: 'Offline',
        version: 'Not applicable',
        nimbusUpTimeSeconds: 'Not applicable',
        nimbusUpTime: 'Not applicable',
        nimbusLogLink: 'http://a:8000/api/v1/daemonlog?file=nimbus.log',
      },
    ]);
  });

  it('config: --config beats STORM_CONF_DIR beats <home>/conf; defaults from defaults.yaml', () => {
    expect(
      resolveConfPath(parseArgs(['--config', '/x/s.yaml', 'nimbus']), { STORM_CONF_DIR: '/c' }, '/home'),
    ).toBe('/x/s.yaml');
    // bin/storm puts -Ddaemon.name=<role> first; the role may come before --config (hactl's order).
    expect(parseArgs(['-Ddaemon.name=nimbus', 'nimbus', '--config', '/x/s.yaml'])).toMatchObject({
      command: 'nimbus',
      configFile: '/x/s.yaml',
    });
    expect(resolveConfPath(parseArgs(['nimbus']), { STORM_CONF_DIR: '/c' }, '/home')).toBe('/c/storm.yaml');
    expect(resolveConfPath(parseArgs(['nimbus']), {}, '/home')).toBe('/home/conf/storm.yaml');
    const conf = loadConfig({
      fileText: 'storm.zookeeper.servers: [z1, z2]\n',
      overrides: { 'ui.port': 9090 },
      home: '/home',
    });
    expect(zkConnectString(conf, true)).toBe('z1:2181,z2:2181/storm');
    expect(conf['nimbus.thrift.port']).toBe(6627);
    expect(conf['ui.port']).toBe(9090);
    expect(conf['storm.local.dir']).toBe('/home/storm-local');
    expect(parseArgs(['-c', 'nimbus.seeds=["a","b"]', 'list']).overrides).toEqual({
      'nimbus.seeds': ['a', 'b'],
    });
  });

  it('config: every problem is reported at once', () => {
    try {
      loadConfig({
        fileText: 'nimbus.thrift.port: x\nui.port: -1\nstorm.zookeeper.root: storm\n',
        overrides: {},
        home: '/h',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(3);
    }
  });
});
