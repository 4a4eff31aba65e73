import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { serviceKind } from '@hactl/shared';
import { decodeSupervisorInfo, ThriftDecodeError } from './thrift.js';
import { parseClusterSummary, parseNimbusSummary, parseSupervisorSummary, uiErrorMessage } from './ui.js';
import { latchIdIsSelf, nimbusRegistered, orderLatch } from './probe.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown;

// The UI bodies are the emulator's (testdata/README.md): the real UI cannot be assembled, because
// org.apache.storm:storm-webapp is not published on Maven Central. Everything else is real 2.8.3.
describe('storm UI parsers over emulator-recorded bodies (no real UI: storm-webapp is not on Maven Central)', () => {
  it('nimbus summary: one Leader, one Not a Leader, int ports', () => {
    expect(parseNimbusSummary(json('ui-nimbus-summary-2.8.8-emulator.json'))).toEqual([
      { host: '127.0.5.11', port: 6627, status: 'Not a Leader' },
      { host: '127.0.5.12', port: 6627, status: 'Leader' },
    ]);
  });
  it('nimbus summary: the docs sample (string uptime) and an Offline seed with a string port', () => {
    const docs = {
      nimbuses: [
        {
          host: '192.168.202.1',
          port: 6627,
          nimbusLogLink: 'http://192.168.202.1:8000/log?file=nimbus.log',
          status: 'Leader',
          version: '0.10.0-SNAPSHOT',
          nimbusUpTime: '3m 33s',
          nimbusUpTimeSeconds: '213',
        },
        { host: 'n2', port: '6627', status: 'Offline', version: 'Not applicable' },
      ],
    };
    expect(parseNimbusSummary(docs).map((n) => n.status)).toEqual(['Leader', 'Offline']);
    expect(() => parseNimbusSummary({ nimbuses: [{ host: 'x', port: 1, status: 'Dead' }] })).toThrow(
      /unknown status "Dead"/,
    );
  });
  it('cluster summary: supervisors and slots', () => {
    expect(parseClusterSummary(json('ui-cluster-summary-2.8.8-emulator.json'))).toEqual({
      supervisors: 2,
      slotsTotal: 6,
      slotsUsed: 0,
      topologies: 0,
      version: '2.8.8',
    });
    expect(() => parseClusterSummary({ supervisors: '2' })).toThrow(
      /supervisors is not a non-negative integer/,
    );
  });
  it('supervisor summary: hosts', () => {
    expect(parseSupervisorSummary(json('ui-supervisor-summary-2.8.8-emulator.json'))).toEqual([
      '127.0.5.14',
      '127.0.5.13',
    ]);
  });
  it('the 500 body without a leader keeps the first line of the stack trace', () => {
    expect(uiErrorMessage(500, json('ui-nimbus-summary-no-leader-2.8.8-emulator.json'))).toBe(
      'HTTP 500: org.apache.storm.utils.NimbusLeaderNotFoundException: Could not find leader nimbus from seed hosts [127.0.5.11, 127.0.5.12]. ' +
        'Did you specify a valid list of nimbus hosts for config nimbus.seeds?',
    );
  });
});

describe('storm znodes recorded from real Storm 2.8.3', () => {
  it('SupervisorInfo from /supervisors/<id> (gzip TBinaryProtocol): hostname = storm.local.hostname, slots', () => {
    const info = decodeSupervisorInfo(
      zlib.gunzipSync(fs.readFileSync(path.join(dir, 'supervisor-info-storm2.8.3.bin.gz'))),
    );
    // The id (= assignment_id) ends with InetAddress.getLocalHost()'s address, not the host's
    // address: the probe must match on hostname.
    expect(info).toMatchObject({ hostname: '10.77.5.23', meta: [6700, 6701, 6702] });
    expect(info.assignmentId).toMatch(/^[0-9a-f-]{36}-127\.0\.0\.1$/);
    expect(info.timeSecs).toBeGreaterThan(1_700_000_000);
  });
  it('garbage and truncation throw ThriftDecodeError', () => {
    expect(() => decodeSupervisorInfo(Buffer.from([0x0b, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x41]))).toThrow(
      ThriftDecodeError,
    );
    expect(() => decodeSupervisorInfo(Buffer.from([0x00]))).toThrow(/without the required hostname/);
    expect(() => decodeSupervisorInfo(Buffer.from([0x63, 0x00, 0x01]))).toThrow(/unknown field type 99/);
  });
  it('/nimbuses names the nimbus by its address; the leader latch id is host:port:tlsPort', () => {
    const znodes = json('znodes-storm2.8.3.json') as {
      nimbuses: string[];
      nimbusEphemeral: boolean;
      supervisorsEphemeral: boolean;
    };
    expect(nimbusRegistered(znodes.nimbuses, '10.77.5.21', 6627)).toBe(true);
    expect(nimbusRegistered(znodes.nimbuses, '10.77.5.22', 6627)).toBe(false);
    expect([znodes.nimbusEphemeral, znodes.supervisorsEphemeral]).toEqual([true, true]);
    const latch = json('leader-lock-storm2.8.3.json') as Record<string, string>;
    const [leaderId] = Object.values(latch);
    expect(leaderId).toBe('10.77.5.21:6627:0');
    expect(latchIdIsSelf(leaderId!, '10.77.5.21', 6627)).toBe(true);
    expect(latchIdIsSelf(leaderId!, '10.77.5.2', 6627)).toBe(false);
    expect(latchIdIsSelf('10.77.5.21:6627', '10.77.5.21', 6627)).toBe(true); // before STORM-4070
    expect(latchIdIsSelf('10.77.5.21:66270:0', '10.77.5.21', 6627)).toBe(false);
  });
  it('leader latch order is by sequence number, not by the random uuid prefix', () => {
    const [recorded] = Object.keys(json('leader-lock-storm2.8.3.json') as Record<string, string>);
    expect(recorded).toMatch(/^_c_[0-9a-f-]{36}-latch-\d{10}$/);
    const later = '_c_00000000-0000-0000-0000-000000000000-latch-9999999999';
    expect(orderLatch([later, recorded!, 'junk'])).toEqual([recorded, later]);
    expect(orderLatch(['_c_ffff-latch-0000000010', '_c_0000-latch-0000000002', 'junk'])).toEqual([
      '_c_0000-latch-0000000002',
      '_c_ffff-latch-0000000010',
    ]);
  });
});

describe('probe results the agent builds satisfy the shared strict schema', () => {
  const parse = (p: unknown) => serviceKind('storm')!.parseProbe(p);
  // What probeStorm returned from real Storm 2.8.3 is checked in shared (health.test.ts).
  it('accepts each role and rejects unknown keys', () => {
    expect(() =>
      parse({
        role: 'nimbus',
        ok: true,
        listening: true,
        registered: true,
        isLeader: true,
        leader: '10.77.5.21:6627:0',
        queue: ['10.77.5.21:6627:0'],
      }),
    ).not.toThrow();
    expect(() =>
      parse({
        role: 'supervisor',
        ok: true,
        listening: true,
        registered: true,
        supervisorId: 'x-127.0.0.1',
        slots: [6700],
        heartbeatAgeSecs: 1,
      }),
    ).not.toThrow();
    const ui = {
      role: 'ui',
      ok: true,
      serving: true,
      nimbuses: parseNimbusSummary(json('ui-nimbus-summary-2.8.8-emulator.json')),
      supervisorHosts: ['127.0.5.13'],
      ...parseClusterSummary(json('ui-cluster-summary-2.8.8-emulator.json')),
    };
    expect(() => parse(ui)).not.toThrow();
    expect(() => parse({ role: 'ui', ok: false, serving: false, error: 'x' })).not.toThrow();
    expect(() => parse({ role: 'ui', ok: true, serving: true, extra: 1 })).toThrow();
    expect(() => parse({ role: 'drpc', ok: true })).toThrow();
  });
});
