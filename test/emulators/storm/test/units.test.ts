import { describe, expect, it } from 'vitest';
import { deserializeStruct, serializeStruct } from '../src/thrift-protocol.js';
import { NIMBUS_SUMMARY, SUPERVISOR_INFO, decodeNimbusSummary, decodeSupervisorInfo, encodeNimbusSummary, encodeSupervisorInfo } from '../src/thrift.js';
import { parseNimbusId, planLatch, sortLatchChildren } from '../src/latch-plan.js';
import { prettyUptimeSec, renderNimbusSummary } from '../src/ui-json.js';
import { renderTopologyList } from '../src/list.js';
import { defaultConfig, loadConfig, parseArgs, resolveConfPath, zkConnectString, ConfigError } from '../src/config.js';
import { abbreviateLogger, formatLogLine } from '../src/log.js';
import { encodeReply } from '../src/thrift-rpc.js';

describe('storm emulator: pure parts', () => {
  it('thrift: NimbusSummary bytes are the TBinaryProtocol encoding of storm.thrift field ids', () => {
    const bytes = serializeStruct(NIMBUS_SUMMARY, { host: 'h', port: 6627, uptime_secs: 5, isLeader: false, version: '2' });
    // field 1 string "h" | field 2 i32 6627 | field 3 i32 5 | field 4 bool false | field 5 string "2" | STOP
    expect(bytes.toString('hex')).toBe(
      '0b00010000000168' + '0800020000' + '19e3' + '08000300000005' + '02000400' + '0b0005000000013' + '2' + '00',
    );
    expect(deserializeStruct(NIMBUS_SUMMARY, bytes)).toEqual({ host: 'h', port: 6627, uptime_secs: 5, isLeader: false, version: '2' });
  });

  it('thrift: unknown fields are skipped and missing required fields are rejected', () => {
    const withExtra = serializeStruct([...NIMBUS_SUMMARY, { id: 6, name: 'tlsPort', spec: 'i32' }], {
      host: 'h', port: 1, uptime_secs: 2, isLeader: true, version: 'v', tlsPort: 7,
    });
    expect(deserializeStruct(NIMBUS_SUMMARY, withExtra)).toEqual({ host: 'h', port: 1, uptime_secs: 2, isLeader: true, version: 'v' });
    expect(() => deserializeStruct(NIMBUS_SUMMARY, Buffer.from([0]))).toThrow(/required field 'host'/);
  });

  it('thrift: gzip round trip of SupervisorInfo with lists and maps', () => {
    const info = {
      time_secs: 1700000000, hostname: 'h', assignment_id: 'id', used_ports: [], meta: [6700, 6701],
      uptime_secs: 3, version: '2.8.8', resources_map: new Map([['supervisor.cpu.capacity', 400]]), server_port: 6628,
    };
    const data = encodeSupervisorInfo(info);
    expect([...data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(decodeSupervisorInfo(data)).toEqual(info);
    expect(decodeNimbusSummary(encodeNimbusSummary({ host: 'a', port: 1, uptime_secs: 2, isLeader: false, version: 'v' })).host).toBe('a');
    expect(SUPERVISOR_INFO.map((f) => f.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
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
      { supervisors: [], topologies: [], nimbuses: [{ host: 'b', port: 6627, uptime_secs: 213, isLeader: true, version: '2.8.8' }] },
      conf,
    );
    expect(out.nimbuses).toEqual([
      { host: 'b', port: 6627, status: 'Leader', version: '2.8.8', nimbusUpTimeSeconds: 213, nimbusUpTime: '3m 33s', nimbusLogLink: 'http://b:8000/api/v1/daemonlog?file=nimbus.log' },
      { host: 'a', port: '6627', status: 'Offline', version: 'Not applicable', nimbusUpTimeSeconds: 'Not applicable', nimbusUpTime: 'Not applicable', nimbusLogLink: 'http://a:8000/api/v1/daemonlog?file=nimbus.log' },
    ]);
  });

  it('storm list: exact 2.x layout', () => {
    expect(renderTopologyList([])).toBe('No topologies running.\n');
    const out = renderTopologyList([
      { id: 'WordCount3-1-1402960825', name: 'WordCount3', status: 'ACTIVE', num_tasks: 28, num_executors: 28, num_workers: 3, uptime_secs: 120, owner: 'bob' },
    ]).split('\n');
    expect(out[0]).toBe('Topology_name        Status     Num_tasks  Num_workers  Uptime_secs  Topology_Id          Owner               ');
    expect(out[1]).toBe('-'.repeat(88));
    expect(out[2]).toBe('WordCount3           ACTIVE     28         3            120          WordCount3-1-1402960825 bob                 ');
  });

  it('config: --config beats STORM_CONF_DIR beats <home>/conf; defaults from defaults.yaml', () => {
    expect(resolveConfPath(parseArgs(['--config', '/x/s.yaml', 'nimbus']), { STORM_CONF_DIR: '/c' }, '/home')).toBe('/x/s.yaml');
    expect(resolveConfPath(parseArgs(['nimbus']), { STORM_CONF_DIR: '/c' }, '/home')).toBe('/c/storm.yaml');
    expect(resolveConfPath(parseArgs(['nimbus']), {}, '/home')).toBe('/home/conf/storm.yaml');
    const conf = loadConfig({ fileText: 'storm.zookeeper.servers: [z1, z2]\n', overrides: { 'ui.port': 9090 }, home: '/home' });
    expect(zkConnectString(conf, true)).toBe('z1:2181,z2:2181/storm');
    expect(conf['nimbus.thrift.port']).toBe(6627);
    expect(conf['ui.port']).toBe(9090);
    expect(conf['storm.local.dir']).toBe('/home/storm-local');
    expect(parseArgs(['-c', 'nimbus.seeds=["a","b"]', 'list']).overrides).toEqual({ 'nimbus.seeds': ['a', 'b'] });
  });

  it('config: every problem is reported at once', () => {
    try {
      loadConfig({ fileText: 'nimbus.thrift.port: x\nui.port: -1\nstorm.zookeeper.root: storm\n', overrides: {}, home: '/h' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(3);
    }
  });

  it('log: cluster.xml layout with %c{1.}', () => {
    expect(abbreviateLogger('org.apache.storm.daemon.nimbus.Nimbus')).toBe('o.a.s.d.n.Nimbus');
    expect(formatLogLine(new Date(2019, 8, 25, 13, 53, 46, 560), 'org.apache.storm.daemon.nimbus.Nimbus', 'main', 'INFO', 'hi')).toBe(
      '2019-09-25 13:53:46.560 o.a.s.d.n.Nimbus main [INFO] hi',
    );
  });
});
