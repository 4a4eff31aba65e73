import net from 'node:net';
import zlib from 'node:zlib';
import type { StormAgentInputs } from './inputs.js';
import { decodeSupervisorInfo } from './thrift.js';
import { parseClusterSummary, parseNimbusSummary, parseSupervisorSummary, uiErrorMessage } from './ui.js';
import { openHttpNode, type HttpNode } from '../http.js';
import { ReusedClient } from '../reuse.js';
import type { Prober } from '../types.js';
import { ZkSession, type ZkConnect, type ZkReader } from '../zk-session.js';
import { stormConnectString } from './zk.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** Resolves true when something accepts a TCP connection on host:port within the timeout. */
export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Curator LeaderLatch nodes are `_c_<uuid>-latch-<10-digit seq>`; the lowest sequence holds the
 * latch (service-facts §3.3). Returns the nodes in queue order.
 */
export function orderLatch(children: readonly string[]): string[] {
  const seq = (n: string) => /-latch-(\d+)$/.exec(n)?.[1];
  return children.filter((c) => seq(c) !== undefined).sort((a, b) => Number(seq(a)) - Number(seq(b)));
}

/**
 * Whether a latch participant id names this nimbus: `host:port` before Storm's mTLS support, and
 * `host:port:tlsPort` in every 2.8.x (STORM-4070; recorded from 2.8.3 as `10.77.5.21:6627:0`).
 */
export function latchIdIsSelf(id: string, address: string, port: number): boolean {
  const self = `${address}:${port}`;
  return id === self || (id.startsWith(`${self}:`) && /^\d+$/.test(id.slice(self.length + 1)));
}

/** `/nimbuses` children name a nimbus by host in 2.x (recorded from 2.8.3), by `host:port` in 1.x. */
export function nimbusRegistered(children: readonly string[], address: string, port: number): boolean {
  return children.includes(address) || children.includes(`${address}:${port}`);
}

async function readLatch(zk: ZkReader): Promise<string[]> {
  const ids: string[] = [];
  for (const node of orderLatch(await zk.children('/leader-lock')).slice(0, 100)) {
    const data = await zk.data(`/leader-lock/${node}`);
    if (data !== undefined) ids.push(data.toString('utf8').slice(0, 300));
  }
  return ids;
}

/** The three blobs of a topology's code (LeaderListenerCallback: `-stormjar.jar`, `-stormcode.ser`, `-stormconf.ser`). */
const TOPOLOGY_BLOB_SUFFIXES = ['-stormjar.jar', '-stormcode.ser', '-stormconf.ser'] as const;

/**
 * For each active topology (`/storms` children), the nimbus hosts ZooKeeper records as holding all
 * three of its code blobs: `/blobstore/<key>` children are `<host>:<port>[:<tlsPort>]-<version>`
 * (recorded from 2.8.3: `10.77.17.21:6627:0-1`). A leader candidate without them surrenders
 * leadership (LeaderListenerCallback), so these say why no nimbus may lead.
 */
export async function readBlobHolders(zk: ZkReader): Promise<{ topology: string; holders: string[] }[]> {
  const out: { topology: string; holders: string[] }[] = [];
  for (const topology of (await zk.children('/storms')).sort().slice(0, 100)) {
    let holders: Set<string> | undefined;
    for (const suffix of TOPOLOGY_BLOB_SUFFIXES) {
      const hosts = new Set(
        (await zk.children(`/blobstore/${topology}${suffix}`)).map((c) => c.split(':')[0]!),
      );
      holders = holders ? new Set([...holders].filter((h) => hosts.has(h))) : hosts;
    }
    out.push({
      topology: topology.slice(0, 300),
      holders: [...(holders ?? [])]
        .sort()
        .slice(0, 16)
        .map((h) => h.slice(0, 300)),
    });
  }
  return out;
}

/**
 * Nimbus: Thrift port open, `/nimbuses/<host>` (2.x) or `/nimbuses/<host:port>` (1.x) present, and
 * the leader latch holder. The TCP connect alone never makes a member healthy.
 */
export async function probeNimbus(
  zkSession: ZkSession,
  inputs: StormAgentInputs,
  timeoutMs: number,
): Promise<unknown> {
  const listening = await tcpOpen(inputs.address, inputs.nimbusPort, timeoutMs);
  try {
    const { nimbuses, queue, blobs } = await zkSession.run(
      stormConnectString(inputs.zookeeper),
      timeoutMs,
      async (zk) => ({
        nimbuses: await zk.children('/nimbuses'),
        queue: await readLatch(zk),
        blobs: await readBlobHolders(zk),
      }),
    );
    const leader = queue[0];
    return {
      role: 'nimbus',
      ok: true,
      listening,
      registered: nimbusRegistered(nimbuses, inputs.address, inputs.nimbusPort),
      isLeader: leader !== undefined && latchIdIsSelf(leader, inputs.address, inputs.nimbusPort),
      queue,
      blobs,
      ...(leader !== undefined ? { leader } : {}),
    };
  } catch (err) {
    return { role: 'nimbus', ok: false, listening, registered: false, isLeader: false, error: message(err) };
  }
}

/**
 * Whether each nimbus seed's Thrift port accepts a TCP connection from this host. In `failover:
 * manual` the seeds are the active nimbus alone, so every supervisor is a witness the failover
 * engine asks before it declares the active nimbus lost (architecture §5: a nimbus whose host is
 * merely cut off from the control plane still serves, and its peers see it).
 */
export async function probeSeeds(
  inputs: StormAgentInputs,
  timeoutMs: number,
): Promise<{ address: string; reachable: boolean }[]> {
  return Promise.all(
    inputs.nimbusSeeds.slice(0, 16).map(async (address) => ({
      address,
      reachable: await tcpOpen(address, inputs.nimbusPort, timeoutMs),
    })),
  );
}

/**
 * Supervisor: its `/supervisors/<id>` registration. The 2.x id is `<uuid>-<ip>` with the IP of
 * InetAddress.getLocalHost(), which need not be the address hactl gave it, so the znode is matched
 * on `SupervisorInfo.hostname` (= storm.local.hostname, rendered as the host address).
 */
export async function probeSupervisor(
  zkSession: ZkSession,
  inputs: StormAgentInputs,
  timeoutMs: number,
  nowSecs: number,
): Promise<unknown> {
  const [listening, seeds] = await Promise.all([
    inputs.supervisorThriftPort
      ? tcpOpen(inputs.address, inputs.supervisorThriftPort, timeoutMs)
      : Promise.resolve(false),
    probeSeeds(inputs, timeoutMs),
  ]);
  try {
    const found = await zkSession.run(stormConnectString(inputs.zookeeper), timeoutMs, async (zk) => {
      for (const id of (await zk.children('/supervisors')).slice(0, 10_000)) {
        const raw = await zk.data(`/supervisors/${id}`);
        if (!raw || raw.length === 0) continue;
        try {
          const info = decodeSupervisorInfo(zlib.gunzipSync(raw, { maxOutputLength: 1024 * 1024 }));
          if (info.hostname === inputs.address) return { id, info };
        } catch {
          // another daemon's unreadable registration is not this supervisor's problem
        }
      }
      return undefined;
    });
    if (!found) return { role: 'supervisor', ok: true, listening, registered: false, seeds };
    return {
      role: 'supervisor',
      ok: true,
      listening,
      seeds,
      registered: true,
      supervisorId: found.id.slice(0, 300),
      ...(found.info.meta ? { slots: found.info.meta.slice(0, 1000) } : {}),
      ...(found.info.timeSecs !== undefined
        ? { heartbeatAgeSecs: Math.round(nowSecs - found.info.timeSecs) }
        : {}),
    };
  } catch (err) {
    return { role: 'supervisor', ok: false, listening, registered: false, seeds, error: message(err) };
  }
}

/** One GET whose answer must be JSON, of any status; rejects with no HTTP answer or no JSON. */
async function getJson(
  ui: HttpNode,
  path: string,
  signal: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  const res = await ui.request('GET', path, undefined, signal);
  if (res.body === undefined) throw new Error(`${path}: HTTP ${res.status}, not JSON`);
  return res;
}

/** A UI probe without an answer, carried out of ReusedClient.use so it drops the connections. */
class UiDown extends Error {
  constructor(readonly probe: unknown) {
    super('no answer from the UI');
  }
}

/**
 * UI: nimbus, cluster and supervisor summaries. Every UI call goes through the leader over Thrift,
 * so a 200 means a leader answered; no leader → HTTP 500 (service-facts §3.4, §3.5).
 */
export async function probeUi(ui: HttpNode, timeoutMs: number): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const [n, c, s] = await Promise.all(
      ['nimbus/summary', 'cluster/summary', 'supervisor/summary'].map((p) =>
        getJson(ui, `/api/v1/${p}`, signal),
      ),
    );
    const bad = [n!, c!, s!].find((r) => r.status !== 200);
    if (bad) return { role: 'ui', ok: true, serving: false, error: uiErrorMessage(bad.status, bad.body) };
    const cluster = parseClusterSummary(c!.body);
    return {
      role: 'ui',
      ok: true,
      serving: true,
      nimbuses: parseNimbusSummary(n!.body)
        .slice(0, 100)
        .map((x) => ({
          ...x,
          host: x.host.slice(0, 300),
          port: typeof x.port === 'string' ? x.port.slice(0, 300) : x.port,
        })),
      supervisorHosts: parseSupervisorSummary(s!.body)
        .slice(0, 1000)
        .map((h) => h.slice(0, 300)),
      ...cluster,
    };
  } catch (err) {
    return {
      role: 'ui',
      ok: false,
      serving: false,
      error: signal.aborted ? `no answer within ${timeoutMs} ms` : message(err),
    };
  }
}

/**
 * One Storm daemon's prober. Nimbus and supervisor probes read ZooKeeper over one session kept
 * between probes (reconnected after a failure); the UI probe keeps its keep-alive HTTP connections
 * (node:http, see ../http.ts: fetch would load undici, ~8-15 MB, and close them between probes),
 * dropped when a probe fails. Never rejects: every failure becomes an `ok: false` probe.
 */
export function createStormProber(connect?: ZkConnect): Prober<StormAgentInputs> {
  const zk = new ZkSession(connect);
  const ui = new ReusedClient<HttpNode>({
    open: (key) => {
      const { address, port } = JSON.parse(key) as { address: string; port: number };
      // The three summaries go together.
      return Promise.resolve(openHttpNode(address, port, 3));
    },
    alive: () => true,
    close: (c) => c.close(),
  });
  return {
    async probe(inputs, timeoutMs) {
      try {
        if (inputs.role === 'nimbus') return await probeNimbus(zk, inputs, timeoutMs);
        if (inputs.role === 'supervisor')
          return await probeSupervisor(zk, inputs, timeoutMs, Date.now() / 1000);
        const key = JSON.stringify({ address: inputs.address, port: inputs.uiPort });
        return await ui.use(key, async (node) => {
          const p = await probeUi(node, timeoutMs);
          // A UI that gave no answer: open fresh connections next time.
          if ((p as { ok: boolean }).ok === false) throw new UiDown(p);
          return p;
        });
      } catch (err) {
        if (err instanceof UiDown) return err.probe;
        return failed(inputs.role, message(err));
      }
    },
    close: async () => {
      await Promise.all([zk.close(), ui.close()]);
    },
  };
}

/** One probe on its own session, closed afterwards (tests and testdata recording). */
export async function probeStorm(inputs: StormAgentInputs, timeoutMs: number): Promise<unknown> {
  const prober = createStormProber();
  try {
    return await prober.probe(inputs, timeoutMs);
  } finally {
    await prober.close();
  }
}

/** A probe result that says only "failed", in the shape the role's schema requires. */
function failed(role: StormAgentInputs['role'], error: string): unknown {
  if (role === 'nimbus')
    return { role, ok: false, listening: false, registered: false, isLeader: false, error };
  if (role === 'supervisor') return { role, ok: false, listening: false, registered: false, error };
  return { role, ok: false, serving: false, error };
}
