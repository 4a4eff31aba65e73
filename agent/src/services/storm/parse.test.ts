import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { serviceKind } from '@hactl/shared';
import { decodeSupervisorInfo, ThriftDecodeError } from './thrift.js';
import { parseClusterSummary, parseNimbusSummary, parseSupervisorSummary, uiErrorMessage } from './ui.js';
import { orderLatch } from './probe.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown;

describe('storm UI parsers over recorded 2.8.8 (emulator) bodies', () => {
  it('nimbus summary: one Leader, one Not a Leader, int ports', () => {
    expect(parseNimbusSummary(json('ui-nimbus-summary-2.8.8-emulator.json'))).toEqual([
      { host: '127.0.5.11', port: 6627, status: 'Not a Leader' },
      { host: '127.0.5.12', port: 6627, status: 'Leader' },
    ]);
  });
  it('nimbus summary: the docs sample (string uptime) and an Offline seed with a string port', () => {
    const docs = { nimbuses: [{ host: '192.168.202.1', port: 6627, nimbusLogLink: 'http://192.168.202.1:8000/log?file=nimbus.log', status: 'Leader', version: '0.10.0-SNAPSHOT', nimbusUpTime: '3m 33s', nimbusUpTimeSeconds: '213' }, { host: 'n2', port: '6627', status: 'Offline', version: 'Not applicable' }] };
    expect(parseNimbusSummary(docs).map((n) => n.status)).toEqual(['Leader', 'Offline']);
    expect(() => parseNimbusSummary({ nimbuses: [{ host: 'x', port: 1, status: 'Dead' }] })).toThrow(/unknown status "Dead"/);
  });
  it('cluster summary: supervisors and slots', () => {
    expect(parseClusterSummary(json('ui-cluster-summary-2.8.8-emulator.json'))).toEqual({ supervisors: 2, slotsTotal: 6, slotsUsed: 0, topologies: 0, version: '2.8.8' });
    expect(() => parseClusterSummary({ supervisors: '2' })).toThrow(/supervisors is not a non-negative integer/);
  });
  it('supervisor summary: hosts', () => {
    expect(parseSupervisorSummary(json('ui-supervisor-summary-2.8.8-emulator.json'))).toEqual(['127.0.5.14', '127.0.5.13']);
  });
  it('the 500 body without a leader keeps the first line of the stack trace', () => {
    expect(uiErrorMessage(500, json('ui-nimbus-summary-no-leader-2.8.8-emulator.json'))).toBe(
      'HTTP 500: org.apache.storm.utils.NimbusLeaderNotFoundException: Could not find leader nimbus from seed hosts [127.0.5.11, 127.0.5.12]. Did you specify a valid list of nimbus hosts for config nimbus.seeds?',
    );
  });
});

describe('storm znode decoding', () => {
  it('SupervisorInfo from a recorded /supervisors znode (gzip TBinaryProtocol)', () => {
    const info = decodeSupervisorInfo(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'supervisor-info-2.8.8-emulator.bin.gz'))));
    expect(info).toMatchObject({ hostname: '127.0.5.14', assignmentId: '606284a0-7da6-418b-8b4e-1ba2e7e6b57b-127.0.5.14', meta: [6700, 6701, 6702] });
    expect(info.timeSecs).toBeGreaterThan(1_700_000_000);
  });
  it('garbage and truncation throw ThriftDecodeError', () => {
    expect(() => decodeSupervisorInfo(Buffer.from([0x0b, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x41]))).toThrow(ThriftDecodeError);
    expect(() => decodeSupervisorInfo(Buffer.from([0x00]))).toThrow(/without the required hostname/);
    expect(() => decodeSupervisorInfo(Buffer.from([0x63, 0x00, 0x01]))).toThrow(/unknown field type 99/);
  });
  it('leader latch order is by sequence number, not by the random uuid prefix', () => {
    const recorded = json('leader-lock-children.json') as string[];
    expect(orderLatch([...recorded].reverse())).toEqual(recorded);
    expect(orderLatch(['_c_ffff-latch-0000000010', '_c_0000-latch-0000000002', 'junk'])).toEqual(['_c_0000-latch-0000000002', '_c_ffff-latch-0000000010']);
  });
});

describe('probe results the agent builds satisfy the shared strict schema', () => {
  const parse = (p: unknown) => serviceKind('storm')!.parseProbe(p);
  it('accepts each role and rejects unknown keys', () => {
    expect(() => parse({ role: 'nimbus', ok: true, listening: true, registered: true, isLeader: true, leader: '127.0.5.11:6627', queue: ['127.0.5.11:6627'] })).not.toThrow();
    expect(() => parse({ role: 'supervisor', ok: true, listening: true, registered: true, supervisorId: 'x-127.0.5.13', slots: [6700], heartbeatAgeSecs: 1 })).not.toThrow();
    const ui = { role: 'ui', ok: true, serving: true, nimbuses: parseNimbusSummary(json('ui-nimbus-summary-2.8.8-emulator.json')), supervisorHosts: ['127.0.5.13'], ...parseClusterSummary(json('ui-cluster-summary-2.8.8-emulator.json')) };
    expect(() => parse(ui)).not.toThrow();
    expect(() => parse({ role: 'ui', ok: false, serving: false, error: 'x' })).not.toThrow();
    expect(() => parse({ role: 'ui', ok: true, serving: true, extra: 1 })).toThrow();
    expect(() => parse({ role: 'drpc', ok: true })).toThrow();
  });
});
