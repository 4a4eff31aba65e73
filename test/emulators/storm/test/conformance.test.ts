import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZkEnsemble, type ZkEnsemble } from '../../../src/lab/zookeeper.js';
import { waitFor } from '../../../src/lab/wait.js';
import { decodeNimbusSummary, decodeSupervisorInfo, encodeStormBase } from '../src/thrift.js';
import { StormLab, getJson, nimbusSummary, zkReader, type Daemon, type NimbusEntry, type ZkReader } from './storm-lab.js';

// Lab slice 127.0.2.0/24: ZooKeeper .1-.3, nimbus seeds .11/.12, supervisors .13/.14,
// a non-seed nimbus .15, UI on .11:8080. Checks follow service-facts §3 and §5 (Storm row).
const ZK = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
const N1 = '127.0.2.11';
const N2 = '127.0.2.12';
const S1 = '127.0.2.13';
const S2 = '127.0.2.14';
const NON_SEED = '127.0.2.15';
const UI = `http://${N1}:8080`;
// Short for fast failover tests, long enough that a loaded 2-core box does not expire sessions spuriously.
const SESSION_TIMEOUT_MS = 6000;

const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} o\.a\.s\.[\w.$]+ \S+ \[(INFO|WARN|ERROR)\] /;
const LATCH_NODE = /^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-latch-\d{10}$/;
const seqOf = (node: string): string => node.slice(node.lastIndexOf('latch-') + 6);

describe('storm emulator: conformance with service-facts §3', { timeout: 90_000 }, () => {
  let zk: ZkEnsemble;
  let lab: StormLab;
  let reader: ZkReader;
  const nimbus: Record<string, Daemon> = {};

  const leaders = (ns: NimbusEntry[]): NimbusEntry[] => ns.filter((n) => n.status === 'Leader');
  const byHost = (ns: NimbusEntry[], host: string): NimbusEntry | undefined => ns.find((n) => n.host === host);
  /** latch children sorted by sequence, with their participant ids */
  const latch = async (): Promise<{ node: string; id: string }[]> => {
    const nodes = (await reader.children('/leader-lock')).sort((a, b) => seqOf(a).localeCompare(seqOf(b)));
    const out: { node: string; id: string }[] = [];
    for (const node of nodes) {
      const d = await reader.data(`/leader-lock/${node}`);
      if (d) out.push({ node, id: d.data.toString('utf8') });
    }
    return out;
  };

  beforeAll(async () => {
    zk = await startZkEnsemble(ZK);
    lab = new StormLab({
      'storm.zookeeper.servers': ZK,
      'storm.zookeeper.session.timeout': SESSION_TIMEOUT_MS,
      'nimbus.seeds': [N1, N2],
      'ui.host': N1,
      'supervisor.heartbeat.frequency.secs': 1,
    });
    nimbus[N1] = lab.start('nimbus', 'nimbus1', N1);
    // Start the second nimbus only once the first is queued, so the leader is deterministic.
    await waitFor('nimbus1 to answer storm list', () => lab.cli(['list']).status === 0 || undefined, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    nimbus[N2] = lab.start('nimbus', 'nimbus2', N2);
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

  it('formation: two nimbuses, exactly one Leader in /api/v1/nimbus/summary with 2.x field types', async () => {
    const ns = await waitFor('2 live nimbuses with one leader', async () => {
      const n = await nimbusSummary(UI);
      return n && n.length === 2 && n.every((x) => x.status !== 'Offline') && leaders(n).length === 1 ? n : undefined;
    });
    expect(leaders(ns).map((n) => n.host)).toEqual([N1]);
    expect(byHost(ns, N2)?.status).toBe('Not a Leader');
    for (const n of ns) {
      expect(n.port).toBe(6627);
      expect(n.version).toBe('2.8.8');
      expect(Number.isInteger(n.nimbusUpTimeSeconds)).toBe(true);
      expect(n.nimbusUpTimeSeconds as number).toBeGreaterThanOrEqual(0);
      expect(typeof n.nimbusUpTime).toBe('string');
      expect(n.nimbusLogLink).toBe(`http://${n.host}:8000/api/v1/daemonlog?file=nimbus.log`);
    }
  });

  it('ZooKeeper: standard subtrees under the chroot, Curator latch nodes with host:port data', async () => {
    const root = await reader.children('/');
    for (const p of ['assignments', 'storms', 'supervisors', 'workerbeats', 'errors', 'blobstore', 'nimbuses', 'logconfigs', 'backpressure', 'leader-lock']) {
      expect(root).toContain(p);
    }
    const members = await latch();
    expect(members).toHaveLength(2);
    for (const m of members) {
      expect(m.node).toMatch(LATCH_NODE);
      expect((await reader.data(`/leader-lock/${m.node}`))!.ephemeralOwner).not.toBe(0n);
    }
    // lowest sequence leads, and it is the one the UI calls Leader
    expect(members.map((m) => m.id)).toEqual([`${N1}:6627`, `${N2}:6627`]);
  });

  it('ZooKeeper: /nimbuses/<host> is an ephemeral gzip Thrift NimbusSummary holding the start time', async () => {
    expect(await reader.children('/nimbuses')).toEqual([N1, N2]);
    const now = Math.floor(Date.now() / 1000);
    for (const host of [N1, N2]) {
      const node = (await reader.data(`/nimbuses/${host}`))!;
      expect(node.ephemeralOwner).not.toBe(0n);
      expect([...node.data.subarray(0, 2)]).toEqual([0x1f, 0x8b]); // gzip, not JSON (surprise 13)
      const s = decodeNimbusSummary(node.data);
      expect(s).toMatchObject({ host, port: 6627, isLeader: false, version: '2.8.8' });
      // stored uptime_secs is the start epoch, not an uptime (surprise 12)
      expect(s.uptime_secs).toBeGreaterThan(now - 300);
      expect(s.uptime_secs).toBeLessThanOrEqual(now);
    }
  });

  it('supervisors register ephemeral SupervisorInfo with their slots; cluster summary sums them', async () => {
    const ids = await waitFor('2 supervisors', async () => {
      const c = await reader.children('/supervisors');
      return c.length === 2 ? c : undefined;
    });
    const hosts = new Map<string, number[]>();
    for (const id of ids) {
      const node = (await reader.data(`/supervisors/${id}`))!;
      expect(node.ephemeralOwner).not.toBe(0n);
      const info = decodeSupervisorInfo(node.data);
      expect(id).toMatch(new RegExp(`^[0-9a-f-]{36}-${info.hostname.replace(/\./g, '\\.')}$`)); // 2.x `<uuid>-<ip>`
      expect(info.assignment_id).toBe(id);
      expect(info.used_ports).toEqual([]);
      expect(info.server_port).toBe(6628);
      expect(info.version).toBe('2.8.8');
      hosts.set(info.hostname, info.meta ?? []);
    }
    expect(Object.fromEntries(hosts)).toEqual({ [S1]: [6700, 6701], [S2]: [6700, 6701, 6702] });

    const cluster = await getJson(`${UI}/api/v1/cluster/summary`);
    expect(cluster.status).toBe(200);
    expect(cluster.contentType).toBe('application/json;charset=utf-8');
    for (const key of [
      'stormVersion', 'stormVersionInfo', 'user', 'supervisors', 'topologies', 'slotsTotal', 'slotsUsed', 'slotsFree',
      'executorsTotal', 'tasksTotal', 'totalMem', 'totalCpu', 'availMem', 'availCpu', 'fragmentedMem', 'fragmentedCpu',
      'schedulerDisplayResource', 'memAssignedPercentUtil', 'cpuAssignedPercentUtil', 'bugtracker-url', 'central-log-url',
      'availGenerics', 'totalGenerics',
    ]) {
      expect(cluster.body).toHaveProperty(key);
    }
    expect(cluster.body).toMatchObject({ supervisors: 2, topologies: 0, slotsTotal: 5, slotsUsed: 0, slotsFree: 5 });
    expect(cluster.body).not.toHaveProperty('availCPU'); // the docs' spelling is wrong (surprise 11)

    const sups = await getJson(`${UI}/api/v1/supervisor/summary`);
    const list = sups.body.supervisors as Record<string, unknown>[];
    expect(list.map((s) => [s.host, s.slotsTotal]).sort()).toEqual([[S1, 2], [S2, 3]]);
    for (const s of list) expect(Number.isInteger(s.uptimeSeconds)).toBe(true);
    expect(typeof sups.body.schedulerDisplayResource).toBe('boolean');
  });

  it('storm list prints "No topologies running."; UI JSONP and cluster/configuration; storm version', async () => {
    const r = lab.cli(['list']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toContain('No topologies running.');
    const res = await fetch(`${UI}/api/v1/nimbus/summary?callback=cb`);
    expect(res.headers.get('content-type')).toBe('application/javascript;charset=utf-8');
    expect(await res.text()).toMatch(/^cb\(\{"nimbuses":\[.*\]\}\);$/);
    const conf = await getJson(`${UI}/api/v1/cluster/configuration`);
    expect(conf.body).toMatchObject({ 'nimbus.thrift.port': 6627, 'storm.zookeeper.root': '/storm' });
    const version = lab.cli(['version']);
    expect(version.status).toBe(0);
    expect(version.stdout.split('\n')[0]).toBe('Storm 2.8.8');
  });

  it('daemons log in the Storm layout and nimbus reports its host identity', () => {
    for (const d of lab.daemons) {
      expect(d.lines.length).toBeGreaterThan(0);
      for (const line of d.lines) expect(line).toMatch(LOG_LINE);
    }
    expect(nimbus[N1]!.lines.join('\n')).toContain(`o.a.s.n.NimbusInfo main [INFO] Overriding nimbus host to storm.local.hostname -> ${N1}`);
    expect(nimbus[N1]!.lines.join('\n')).toContain(`${N1} gained leadership.`);
    expect(nimbus[N2]!.lines.join('\n')).not.toContain('gained leadership');
  });

  it('session expiry (nimbus paused past the session timeout): ephemerals vanish, then it re-registers', async () => {
    const n2 = nimbus[N2]!;
    n2.child.kill('SIGSTOP');
    try {
      await waitFor('/nimbuses/<paused nimbus> to expire', async () => !(await reader.children('/nimbuses')).includes(N2) || undefined, {
        timeoutMs: 20_000,
      });
      expect((await latch()).map((m) => m.id)).toEqual([`${N1}:6627`]);
    } finally {
      n2.child.kill('SIGCONT');
    }
    await waitFor('paused nimbus to re-register', async () => (await reader.children('/nimbuses')).includes(N2) || undefined, {
      timeoutMs: 20_000,
    });
    await waitFor('paused nimbus back in the latch', async () => ((await latch()).length === 2 ? true : undefined));
    expect((await latch()).map((m) => m.id)).toEqual([`${N1}:6627`, `${N2}:6627`]);
    expect(n2.lines.join('\n')).toContain('State change: LOST');
    expect(leaders((await nimbusSummary(UI))!).map((n) => n.host)).toEqual([N1]);
  });

  it('a second nimbus on a host whose thrift port is taken logs the upstream error and exits 0', async () => {
    const dup = lab.start('nimbus', 'dup', N1);
    expect(await dup.exited).toBe(0);
    expect(dup.lines.join('\n')).toContain('6627 is not available. Check if another process is already listening on 6627');
    expect(await reader.children('/nimbuses')).toEqual([N1, N2]);
  });

  it('failover on SIGKILL: leadership moves after the session timeout, the dead seed shows Offline', async () => {
    const killedAt = Date.now();
    await nimbus[N1]!.kill('SIGKILL');
    const ns = await waitFor(
      'nimbus2 to lead and nimbus1 to be Offline',
      async () => {
        const n = await nimbusSummary(UI);
        return n && byHost(n, N2)?.status === 'Leader' && byHost(n, N1)?.status === 'Offline' ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // The latch node of a SIGKILLed nimbus lives until ZooKeeper expires its session.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS / 2);
    expect(leaders(ns)).toHaveLength(1);
    expect(byHost(ns, N1)).toEqual({
      host: N1,
      port: '6627', // a string for Offline seeds (UIHelpers.getNimbusSummary)
      status: 'Offline',
      version: 'Not applicable',
      nimbusUpTimeSeconds: 'Not applicable',
      nimbusUpTime: 'Not applicable',
      nimbusLogLink: `http://${N1}:8000/api/v1/daemonlog?file=nimbus.log`,
    });
    expect(await reader.children('/nimbuses')).toEqual([N2]);
    expect((await latch()).map((m) => m.id)).toEqual([`${N2}:6627`]);
  });

  it('recovery: the restarted nimbus queues behind the new leader and is "Not a Leader"', async () => {
    nimbus[N1] = lab.start('nimbus', 'nimbus1', N1);
    const ns = await waitFor('nimbus1 back as Not a Leader', async () => {
      const n = await nimbusSummary(UI);
      return n && byHost(n, N1)?.status === 'Not a Leader' ? n : undefined;
    });
    expect(byHost(ns, N2)?.status).toBe('Leader');
    expect(leaders(ns)).toHaveLength(1);
    const members = await latch();
    expect(members.map((m) => m.id)).toEqual([`${N2}:6627`, `${N1}:6627`]);
  });

  it('SIGTERM: clean shutdown exits 0 and removes the ephemerals before any session timeout', async () => {
    const stoppedAt = Date.now();
    expect(await nimbus[N2]!.kill('SIGTERM')).toBe(0);
    await waitFor('/nimbuses/<leader> and its latch node to vanish', async () => {
      const gone = !(await reader.children('/nimbuses')).includes(N2) && !(await latch()).some((m) => m.id.startsWith(N2));
      return gone || undefined;
    });
    expect(Date.now() - stoppedAt).toBeLessThan(SESSION_TIMEOUT_MS);
    const ns = await waitFor('nimbus1 to lead again', async () => {
      const n = await nimbusSummary(UI);
      return n && byHost(n, N1)?.status === 'Leader' ? n : undefined;
    });
    expect(byHost(ns, N2)?.status).toBe('Offline');
  });

  it('no nimbus at all: UI answers 500 with exceptionToJson and storm list fails like NimbusClient', async () => {
    expect(await nimbus[N1]!.kill('SIGTERM')).toBe(0);
    const message = `Could not find leader nimbus from seed hosts [${N1}, ${N2}]. Did you specify a valid list of nimbus hosts for config nimbus.seeds?`;
    const r = await waitFor('UI to answer 500', async () => {
      const res = await getJson(`${UI}/api/v1/nimbus/summary`);
      return res.status === 500 ? res : undefined;
    });
    expect(r.body.error).toBe('500 Server Error');
    expect(r.body.errorMessage as string).toContain(`org.apache.storm.utils.NimbusLeaderNotFoundException: ${message}`);
    expect((await getJson(`${UI}/api/v1/cluster/summary`)).status).toBe(500);
    const list = lab.cli(['list']);
    expect(list.status).not.toBe(0);
    expect(list.stderr).toContain(message);
  });

  it('a nimbus outside nimbus.seeds leads in ZooKeeper but clients only find it through a live seed', async () => {
    const ns = lab.start('nimbus', 'nonseed', NON_SEED);
    await waitFor('non-seed nimbus to take the latch', async () => {
      const members = await latch();
      return members[0]?.id === `${NON_SEED}:6627` || undefined;
    });
    // The latch node can show up in ZooKeeper a moment before the log line is read.
    await waitFor('the non-seed nimbus to log its leadership', () => (ns.lines.join('\n').includes(`${NON_SEED} gained leadership.`) ? true : undefined));
    // NimbusClient only asks seeds, so with every seed down nobody can find this leader.
    expect((await getJson(`${UI}/api/v1/nimbus/summary`)).status).toBe(500);

    nimbus[N1] = lab.start('nimbus', 'nimbus1', N1);
    const summary = await waitFor('UI to list the non-seed leader through seed nimbus1', async () => {
      const n = await nimbusSummary(UI);
      return n && byHost(n, N1)?.status === 'Not a Leader' ? n : undefined;
    });
    expect(byHost(summary, NON_SEED)).toMatchObject({ status: 'Leader', port: 6627 });
    expect(byHost(summary, N2)?.status).toBe('Offline');
    expect(summary).toHaveLength(3);
  });

  it('storm list prints the 2.x header, 88 dashes and one row per topology from /storms', async () => {
    const id = `WordCount3-1-${Math.floor(Date.now() / 1000) - 100}`;
    await reader.create(
      `/storms/${id}`,
      encodeStormBase({ name: 'WordCount3', status: 1, num_workers: 2, launch_time_secs: Math.floor(Date.now() / 1000) - 100, owner: 'alice' }),
    );
    try {
      const r = lab.cli(['list']);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      const h = lines.indexOf(
        'Topology_name        Status     Num_tasks  Num_workers  Uptime_secs  Topology_Id          Owner               ',
      );
      expect(h).toBeGreaterThanOrEqual(0);
      expect(lines[h + 1]).toBe('-'.repeat(88));
      expect(lines[h + 2]).toMatch(new RegExp(`^WordCount3 {11}ACTIVE {5}0 {10}0 {12}\\d+ +${id} alice +$`));
      const topo = await getJson(`${UI}/api/v1/topology/summary`);
      expect((topo.body.topologies as Record<string, unknown>[])[0]).toMatchObject({ id, name: 'WordCount3', status: 'ACTIVE', owner: 'alice' });
    } finally {
      await reader.remove(`/storms/${id}`);
    }
  });

  it('supervisor SIGTERM removes its znode at once; a restart re-registers under the persisted id', async () => {
    const sup = lab.daemons.find((d) => d.kind === 'supervisor' && d.host === S2)!;
    const before = await reader.children('/supervisors');
    const id = before.find((i) => i.endsWith(`-${S2}`))!;
    expect(await sup.kill('SIGTERM')).toBe(0);
    await waitFor('supervisor znode to vanish', async () => (!(await reader.children('/supervisors')).includes(id) ? true : undefined), {
      timeoutMs: SESSION_TIMEOUT_MS - 1000,
    });
    const summary = await waitFor('cluster summary without the stopped supervisor', async () => {
      const r = await getJson(`${UI}/api/v1/cluster/summary`);
      return r.status === 200 && r.body.supervisors === 1 ? r.body : undefined;
    });
    expect(summary.slotsTotal).toBe(2);
    lab.start('supervisor', 'sup2', S2, { 'supervisor.slots.ports': [6700, 6701, 6702] });
    await waitFor('supervisor back with the same id', async () => ((await reader.children('/supervisors')).includes(id) ? true : undefined));
  });
});
