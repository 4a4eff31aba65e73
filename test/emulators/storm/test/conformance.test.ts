import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZkEnsemble, type ZkEnsemble } from '../../../src/lab/zookeeper.js';
import { waitFor } from '../../../src/lab/wait.js';
import { decodeNimbusSummary, decodeSupervisorInfo } from '../src/thrift.js';
import { StormLab, getJson, nimbusSummary, zkReader, type ZkReader } from './storm-lab.js';

// The emulator runs only behind hactl's `ui` e2e test (test/e2e/storm.test.ts): the real Storm UI
// cannot be assembled, because org.apache.storm:storm-webapp is not published on Maven Central.
// What it shares with real Storm (ZooKeeper znodes, `storm list`) is compared here with answers
// recorded from real Storm 2.8.3 (recorded/, written by test/e2e/storm-real.test.ts); the UI has
// nothing real to compare with and follows upstream's UIHelpers (service-facts §3.4).
//
// Lab slice 127.0.2.0/24: ZooKeeper .1-.3, nimbus .11, supervisors .13/.14, UI on .11:8080.
const ZK = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
const N1 = '127.0.2.11';
const S1 = '127.0.2.13';
const S2 = '127.0.2.14';
const UI = `http://${N1}:8080`;
const SESSION_TIMEOUT_MS = 6000;

const recordedDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recorded');
const recorded = (f: string) => fs.readFileSync(path.join(recordedDir, f), 'utf8');
/** The real cluster's znodes under its root (3 ZooKeeper servers, one nimbus, 2 supervisors, one topology). */
const real = JSON.parse(recorded('znodes-storm2.8.3.json')) as {
  root: string[];
  latch: Record<string, string>;
  nimbuses: string[];
  supervisors: string[];
};
const realSupervisor = decodeSupervisorInfo(
  fs.readFileSync(path.join(recordedDir, 'supervisor-info-storm2.8.3.bin.gz')),
);
const realNimbus = decodeNimbusSummary(
  fs.readFileSync(path.join(recordedDir, 'nimbus-summary-storm2.8.3.bin.gz')),
);

/** A latch node name or id with the variable parts (uuid, sequence, address) replaced. */
const shape = (s: string) =>
  s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
    .replace(/\d+\.\d+\.\d+\.\d+/g, 'IP')
    .replace(/\d{10}$/, 'SEQ');

describe('storm emulator: what hactl reads, compared with real Storm 2.8.3', { timeout: 90_000 }, () => {
  let zk: ZkEnsemble;
  let lab: StormLab;
  let reader: ZkReader;

  beforeAll(async () => {
    zk = await startZkEnsemble(ZK);
    lab = new StormLab({
      'storm.zookeeper.servers': ZK,
      'storm.zookeeper.session.timeout': SESSION_TIMEOUT_MS,
      'nimbus.seeds': [N1],
      'ui.host': N1,
      'supervisor.heartbeat.frequency.secs': 1,
    });
    lab.start('nimbus', 'nimbus1', N1);
    lab.start('supervisor', 'sup1', S1, { 'supervisor.slots.ports': [6700, 6701] });
    lab.start('supervisor', 'sup2', S2, { 'supervisor.slots.ports': [6700, 6701, 6702] });
    lab.start('ui', 'ui', N1);
    reader = await zkReader(`${zk.connectString}/storm`);
  });

  afterAll(async () => {
    reader?.close();
    await lab?.stop();
    await zk?.stop();
  });

  it('UI nimbus summary: the one nimbus is Leader, with the 2.x field types (UIHelpers; no real UI to compare)', async () => {
    const ns = await waitFor('a Leader in the UI', async () => {
      const n = await nimbusSummary(UI);
      return n?.length === 1 && n[0]!.status === 'Leader' ? n : undefined;
    });
    expect(ns[0]).toMatchObject({ host: N1, port: 6627, version: realNimbus.version });
    expect(Number.isInteger(ns[0]!.nimbusUpTimeSeconds)).toBe(true);
  });

  it('ZooKeeper: the subtrees the emulator creates are real ones, and the three hactl reads are there', async () => {
    const root = await reader.children('/');
    for (const p of root) expect(real.root).toContain(p);
    for (const p of ['nimbuses', 'supervisors', 'leader-lock']) {
      expect(root).toContain(p);
      expect(real.root).toContain(p);
    }
  });

  it('leader latch: node names and participant ids shaped like the real ones (host:port:tlsPort)', async () => {
    const nodes = await reader.children('/leader-lock');
    expect(nodes).toHaveLength(1);
    const [realNode, realId] = Object.entries(real.latch)[0]!;
    expect(shape(nodes[0]!)).toBe(shape(realNode));
    const node = (await reader.data(`/leader-lock/${nodes[0]}`))!;
    expect(node.ephemeralOwner).not.toBe(0n);
    expect(node.data.toString('utf8')).toBe(`${N1}:6627:0`);
    expect(shape(node.data.toString('utf8'))).toBe(shape(realId));
  });

  it('/nimbuses/<host>: named by the host alone, ephemeral, the same NimbusSummary fields as real', async () => {
    expect(await reader.children('/nimbuses')).toEqual([N1]);
    expect(real.nimbuses).toEqual([realNimbus.host]);
    const node = (await reader.data(`/nimbuses/${N1}`))!;
    expect(node.ephemeralOwner).not.toBe(0n);
    const s = decodeNimbusSummary(node.data);
    expect(Object.keys(s).sort()).toEqual(Object.keys(realNimbus).sort());
    // stored uptime_secs is the start epoch, not an uptime (service-facts surprise 12), in both
    expect(s.uptime_secs).toBeGreaterThan(1_700_000_000);
    expect(realNimbus.uptime_secs).toBeGreaterThan(1_700_000_000);
  });

  it('/supervisors/<id>: ids and SupervisorInfo fields like real ones; the UI sums their slots', async () => {
    const ids = await waitFor('2 supervisors', async () => {
      const c = await reader.children('/supervisors');
      return c.length === 2 ? c : undefined;
    });
    const hosts = new Map<string, number[]>();
    for (const id of ids) {
      expect(shape(id)).toBe(shape(real.supervisors[0]!));
      const node = (await reader.data(`/supervisors/${id}`))!;
      expect(node.ephemeralOwner).not.toBe(0n);
      const info = decodeSupervisorInfo(node.data);
      expect(Object.keys(info).sort()).toEqual(Object.keys(realSupervisor).sort());
      expect([...info.resources_map!.keys()]).toEqual([...realSupervisor.resources_map!.keys()]);
      expect(info.assignment_id).toBe(id);
      hosts.set(info.hostname, info.meta ?? []);
    }
    expect(Object.fromEntries(hosts)).toEqual({ [S1]: [6700, 6701], [S2]: [6700, 6701, 6702] });
    const cluster = await getJson(`${UI}/api/v1/cluster/summary`);
    expect(cluster.body).toMatchObject({ supervisors: 2, topologies: 0, slotsTotal: 5, slotsUsed: 0 });
  });

  it('storm list prints what real ListTopologies prints without topologies', () => {
    const r = lab.cli(['list'], 'cli', N1);
    expect(r.status).toBe(0);
    // Both print client log lines first; the answer starts at its own line.
    expect(r.stdout.slice(r.stdout.indexOf('No topologies running.'))).toBe(
      recorded('storm-list-empty-storm2.8.3.txt'),
    );
  });

  it('no nimbus: the UI answers 500 with exceptionToJson, which the UI probe reports (UIHelpers; no real UI to compare)', async () => {
    const nimbus = lab.daemons.find((d) => d.kind === 'nimbus')!;
    expect(await nimbus.kill('SIGTERM')).toBe(0);
    const r = await waitFor('the UI to answer 500', async () => {
      const res = await getJson(`${UI}/api/v1/nimbus/summary`);
      return res.status === 500 ? res : undefined;
    });
    expect(r.body.error).toBe('500 Server Error');
    expect(r.body.errorMessage as string).toContain(
      `org.apache.storm.utils.NimbusLeaderNotFoundException: Could not find leader nimbus from seed hosts [${N1}]. Did you specify a valid list of nimbus hosts for config nimbus.seeds?`,
    );
  });

  it('a nimbus killed and started again before its old session expires keeps its /nimbuses entry (StormClusterStateImpl.addNimbusHost deletes, then creates)', async () => {
    lab.start('nimbus', 'nimbus2', N1);
    await waitFor(
      'a Leader in the UI',
      async () => (await nimbusSummary(UI))?.[0]?.status === 'Leader' || undefined,
    );
    const killed = (await reader.data(`/nimbuses/${N1}`))!.ephemeralOwner;
    const nimbus = lab.daemons.filter((d) => d.kind === 'nimbus').at(-1)!;
    await nimbus.kill('SIGKILL');
    // Within the killed session's 6 s timeout, so its ephemeral nodes are still there.
    lab.start('nimbus', 'nimbus3', N1);
    // The killed session has expired once its latch node is gone and the new one alone remains.
    await waitFor(
      'the killed nimbus session to expire',
      async () => {
        const nodes = await reader.children('/leader-lock');
        if (nodes.length !== 1) return undefined;
        const owner = (await reader.data(`/leader-lock/${nodes[0]}`))?.ephemeralOwner;
        return owner !== undefined && owner !== killed ? true : undefined;
      },
      { timeoutMs: 4 * SESSION_TIMEOUT_MS },
    );
    const entry = await reader.data(`/nimbuses/${N1}`);
    expect(entry?.ephemeralOwner).toBeDefined();
    expect(entry!.ephemeralOwner).not.toBe(killed);
    const ns = await waitFor('a Leader in the UI', async () => {
      const n = await nimbusSummary(UI);
      return n?.[0]?.status === 'Leader' ? n : undefined;
    });
    expect(ns.map((n) => n.host)).toEqual([N1]);
  });
});
