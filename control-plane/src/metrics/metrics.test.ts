import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { nullLogger } from '@hactl/shared';
import { probingHello, reportedInstance, plannedGeneration } from '../reconcile/testing.js';
import { createApp } from '../api/app.js';
import type { ClusterSummary, ClusterView, HostView, RolloutView } from '../api/contract.js';
import { createCore, type Core } from '../core.js';
import type { AgentSession } from '../reconcile/fleet.js';
import type { AgentCommand } from '../reconcile/sessions.js';
import { PEER_PROBE_TIMEOUT_MS } from '../leases/peer-views.js';
import { tempSqliteStore } from '../rollout/testing.js';
import { testTrust, withBearer } from '../trust/testing.js';
import type { SqliteStore } from '../store/sqlite-store.js';

let now = 1_800_000_000_000;
let ids = 0;
let store: SqliteStore;
let dispose: () => void;
let core: Core;
let app: ReturnType<typeof withBearer>;
let readOnly: ReturnType<typeof withBearer>;
const pids = new Map<string, number>();
/** What each host's agent does with a command; nothing unless a test says. */
let onCommand: (host: string, cmd: AgentCommand) => void = () => {};
const sessionOf = (host: string): AgentSession => ({
  sendDesired() {},
  sendCommand: (cmd) => onCommand(host, cmd),
  close() {},
});

const spec = {
  kind: 'zookeeper',
  distribution: { home: '/zk' },
  members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
};

/** Agents report: all serving, member 2 leads with `synced` followers in sync. */
function report(synced = 2, down: number[] = []): void {
  for (const i of [1, 2, 3]) {
    const id = `zk/zk-${i}`;
    const probe =
      i === 2
        ? { ok: true, serving: true, mode: 'leader', syncedFollowers: synced }
        : { ok: true, serving: true, mode: 'follower' };
    const inst = reportedInstance(id, {
      process: down.includes(i) ? 'crashed' : 'running',
      pid: pids.get(id) ?? 100 + i,
      probeAt: now,
      probe: down.includes(i) ? undefined : probe,
    });
    core.fleet.recordStatus(`h${i}`, {
      appliedGeneration: plannedGeneration(core.fleet, `h${i}`),
      applyError: '',
      instances: [inst],
    });
  }
}

/** A core on `store` at the test's clock, its ids starting with `prefix`. */
function coreOn(on: SqliteStore, prefix: string): Core {
  return createCore({
    store: on,
    logger: nullLogger,
    now: () => now,
    reportIntervalMs: 1000,
    leaseTtlMs: 60_000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: () => `${prefix}${++ids}`,
  });
}

beforeEach(() => {
  ({ store, dispose } = tempSqliteStore('hactl-metrics-'));
  core = coreOn(store, 'a');
  const { trust, adminToken } = testTrust(store, () => now);
  const built = createApp({ ...core, logger: nullLogger, trust });
  app = withBearer(built, adminToken);
  readOnly = withBearer(built, trust.createApiToken('prometheus', ['read']));
  for (const i of [1, 2, 3])
    core.fleet.connectAgent(probingHello(`h${i}`, `127.0.0.1${i}`), sessionOf(`h${i}`));
  core.fleet.applyCluster('zk', spec, { author: 't', message: '' });
  onCommand = () => {};
});
afterEach(() => dispose());

async function scrape(client = app): Promise<Map<string, ParsedFamily>> {
  const res = await client.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
}

/** The value of `name` whose labels include `labels`; undefined when there is no such sample. */
function value(
  m: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const s = m.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return s?.value === undefined ? undefined : Number(s.value);
}

async function get<T>(path: string): Promise<T> {
  const res = await app.request(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Starts a rolling restart of zk through the REST API; its rollout id. */
async function startRestart(): Promise<string> {
  const started = await app.request('/v1/clusters/zk/rollouts', {
    method: 'POST',
    body: JSON.stringify({ action: 'restart' }),
    headers: { 'content-type': 'application/json' },
  });
  expect(started.status).toBe(201);
  return ((await started.json()) as RolloutView).id;
}

/** Asserts that the scrape says what the REST API says about clusters and hosts. */
async function expectMatchesRest(m: Map<string, ParsedFamily>): Promise<void> {
  const { clusters } = await get<{ clusters: ClusterSummary[] }>('/v1/clusters');
  for (const c of clusters) {
    const base = { cluster: c.name, kind: c.kind };
    expect(value(m, 'hactl_cluster_health', { ...base, health: c.health })).toBe(1);
    for (const other of ['pending', 'healthy', 'degraded', 'down'].filter((h) => h !== c.health))
      expect(value(m, 'hactl_cluster_health', { ...base, health: other })).toBe(0);
    expect(value(m, 'hactl_cluster_members', base)).toBe(c.members);
    expect(value(m, 'hactl_cluster_members_ready', base)).toBe(c.ready);
    const view = await get<ClusterView>(`/v1/clusters/${c.name}`);
    for (const mem of view.status.members) {
      const who = { cluster: c.name, member: String(mem.id) };
      expect(value(m, 'hactl_member_up', who)).toBe(
        mem.process === 'running' && mem.mode !== 'unknown' ? 1 : 0,
      );
      expect(value(m, 'hactl_member_leading', who)).toBe(mem.leading ? 1 : 0);
      expect(value(m, 'hactl_zookeeper_synced_followers', who)).toBe(
        mem.leading ? (mem.syncedFollowers as number | undefined) : undefined,
      );
    }
  }
  const { hosts } = await get<{ hosts: HostView[] }>('/v1/hosts');
  expect(value(m, 'hactl_hosts')).toBe(hosts.length);
  expect(value(m, 'hactl_agents_connected')).toBe(hosts.filter((h) => h.connected).length);
}

describe('GET /metrics', () => {
  it('parses as Prometheus text and says what GET /v1/clusters and /v1/hosts say: healthy ensemble', async () => {
    report();
    const m = await scrape(readOnly);
    await expectMatchesRest(m);
    expect(value(m, 'hactl_cluster_health', { cluster: 'zk', health: 'healthy' })).toBe(1);
    expect(value(m, 'hactl_zookeeper_synced_followers', { cluster: 'zk', member: '2' })).toBe(2);
    expect(value(m, 'hactl_cluster_leader_present', { cluster: 'zk' })).toBe(1);
    expect(value(m, 'hactl_agents_connected')).toBe(3);
    for (const f of m.values()) expect(f.name).toMatch(/^hactl_/);
  });

  it('a member down → degraded, member_up 0, synced followers 1, as the REST views say', async () => {
    report(1, [3]);
    const m = await scrape();
    await expectMatchesRest(m);
    expect(value(m, 'hactl_cluster_health', { cluster: 'zk', health: 'healthy' })).toBe(0);
    expect(value(m, 'hactl_member_up', { cluster: 'zk', member: '3' })).toBe(0);
    expect(value(m, 'hactl_zookeeper_synced_followers', { cluster: 'zk', member: '2' })).toBe(1);
  });

  it('needs a token: anonymous 401, read scope enough', async () => {
    const res = await app.request('/metrics', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect((await readOnly.request('/metrics')).status).toBe(200);
  });

  it('during a rollout: the current step, step states and elapsed time are those of GET /v1/rollouts/{id}; leases and step durations counted', async () => {
    report();
    const id = await startRestart();
    now += 4000;
    // Step 0 (a follower) holds its lease; another agent asking for zk-3 now is refused (not asked).
    const lease = core.leases.acquire('h1', 'zk/zk-1', `command ${id}.0`);
    expect(lease.granted).toBe(true);
    expect(core.leases.acquire('h3', 'zk/zk-3', `command ${id}.2`).granted).toBe(false);

    let m = await scrape();
    let view = await get<RolloutView>(`/v1/rollouts/${id}`);
    await expectMatchesRest(m);
    expect(view.current?.instance).toBe('zk/zk-1');
    const cur = view.steps.find((s) => s.instance === view.current?.instance)!;
    expect(value(m, 'hactl_rollout_active', { cluster: 'zk', rollout: id, state: view.state })).toBe(1);
    expect(value(m, 'hactl_rollout_current_step', { rollout: id, member: cur.instance })).toBe(cur.index);
    expect(value(m, 'hactl_rollout_current_step_elapsed_seconds', { rollout: id })).toBe(
      (cur.elapsedMs ?? 0) / 1000,
    );
    expect(value(m, 'hactl_rollout_current_step_elapsed_seconds', { rollout: id })).toBe(4);
    for (const state of new Set(view.steps.map((s) => s.state)))
      expect(value(m, 'hactl_rollout_steps', { rollout: id, state })).toBe(
        view.steps.filter((s) => s.state === state).length,
      );
    expect(value(m, 'hactl_lease_grants_total', { cluster: 'zk' })).toBe(1);
    expect(value(m, 'hactl_lease_refusals_total', { cluster: 'zk', gate: 'not-authorized' })).toBe(1);

    // zk-1 comes back with a new pid and its agent releases the lease: step 0 done after 5 s.
    now += 1000;
    core.leases.release(lease.leaseId);
    pids.set('zk/zk-1', 201);
    report();
    core.rollouts.tick();
    m = await scrape();
    view = await get<RolloutView>(`/v1/rollouts/${id}`);
    expect(view.steps.map((s) => s.state)).toEqual(['done', 'requested', 'pending']);
    // Its place in the plan (steps are stored in plan order; the engine took it second).
    expect(value(m, 'hactl_rollout_current_step', { rollout: id, member: 'zk/zk-3' })).toBe(2);
    expect(value(m, 'hactl_rollout_steps', { rollout: id, state: 'done' })).toBe(1);
    // parse-prometheus-text-format folds a labelled histogram's series into one and drops its
    // labels, count and sum (it handles unlabelled histograms only): the text must parse, and the
    // values are read from the registry itself.
    expect(m.get('hactl_rollout_step_duration_seconds')?.type).toBe('HISTOGRAM');
    const hist = await core.metrics.registry.getSingleMetric('hactl_rollout_step_duration_seconds')!.get();
    const series = (suffix: string, le?: number) =>
      hist.values.find(
        (v) =>
          (v as { metricName?: string }).metricName === `hactl_rollout_step_duration_seconds${suffix}` &&
          v.labels.le === le &&
          v.labels.cluster === 'zk' &&
          v.labels.action === 'restart' &&
          v.labels.op === 'restart',
      )?.value;
    expect(series('_count')).toBe(1);
    expect(series('_sum')).toBe(5);
    expect(series('_bucket', 1)).toBe(0);
    expect(series('_bucket', 5)).toBe(1);
  });

  it('a lease refused on a leader view older than the request: the members asked to probe, by outcome', async () => {
    report();
    const id = await startRestart();
    // The leader last counted one follower in sync; asked to probe, h1 and h2 answer (h2 with the
    // fresh count), h3 does not.
    report(1);
    now += 500;
    onCommand = (host, cmd) => {
      if (cmd.action !== 'probe' || host === 'h3') return;
      if (host === 'h2') report(2);
      core.fleet.recordCommandResult(host, { id: cmd.id, ok: true, output: '{}', error: '' });
    };
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const asked = core.leases.acquireFresh('h1', 'zk/zk-1', `command ${id}.0`);
      await vi.advanceTimersByTimeAsync(PEER_PROBE_TIMEOUT_MS);
      expect((await asked).granted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    const m = await scrape();
    expect(value(m, 'hactl_peer_probes_total', { cluster: 'zk', outcome: 'answered' })).toBe(2);
    expect(value(m, 'hactl_peer_probes_total', { cluster: 'zk', outcome: 'unanswered' })).toBe(1);
    expect(value(m, 'hactl_lease_grants_total', { cluster: 'zk' })).toBe(1);
    // One decision told: the refusal before the probes is not counted.
    expect(
      value(m, 'hactl_lease_refusals_total', { cluster: 'zk', gate: 'cluster-healthy' }),
    ).toBeUndefined();
  });

  it('several control planes in one process keep their own registries', async () => {
    report();
    const other = coreOn(store, 'b');
    expect(other.metrics.registry).not.toBe(core.metrics.registry);
    const { text } = await other.metrics.render();
    // The other core sees the same store but no live agents: its own view, its own numbers.
    expect(text).toMatch(/^hactl_agents_connected 0$/m);
    expect((await core.metrics.render()).text).toMatch(/^hactl_agents_connected 3$/m);
  });
});
