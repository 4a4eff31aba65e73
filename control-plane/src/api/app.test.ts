import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '@hactl/shared';
import { createApp } from './app.js';
import { MEMBERS_PER_TURN, jsonBodyStream } from './json-text.js';
import type { AgentSession, Fleet } from '../reconcile/fleet.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { StorageFullError } from '../store/store.js';
import { createTestCore } from '../test-core.js';
import { testTrust, withBearer } from '../trust/testing.js';
import { plannedGeneration } from '../reconcile/testing.js';

let dir: string;
let store: SqliteStore;
let fleet: Fleet;
let failovers: ReturnType<typeof createTestCore>['failovers'];
let app: ReturnType<typeof withBearer>;
const pushed: { host: string; generation: number }[] = [];

function session(host: string): AgentSession {
  return { sendDesired: (generation) => pushed.push({ host, generation }), sendCommand() {}, close() {} };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-api-'));
  store = new SqliteStore(path.join(dir, 'state.db'));
  const core = createTestCore(store);
  fleet = core.fleet;
  failovers = core.failovers;
  const rollouts = core.rollouts;
  const { trust, adminToken } = testTrust(store, () => 1_800_000_000_000);
  app = withBearer(
    createApp({ fleet, rollouts, failovers: core.failovers, logger: nullLogger, trust }),
    adminToken,
  );
  pushed.length = 0;
  for (const i of [1, 2, 3]) {
    fleet.connectAgent(
      { name: `zk${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      session(`zk${i}`),
    );
  }
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const spec = {
  name: 'zk-main',
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  members: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
};
const put = (name: string, body: string) =>
  app.request(`/v1/clusters/${name}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/json' },
  });

describe('REST API', () => {
  it('PUT a valid spec → revision 1, pushed to the three member hosts; same spec again → unchanged', async () => {
    const res = await put('zk-main', JSON.stringify(spec));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'zk-main', revision: 1, changed: true, restartPending: [] });
    expect(pushed.map((p) => p.host).sort()).toEqual(['zk1', 'zk2', 'zk3']);
    const again = await put('zk-main', JSON.stringify(spec));
    expect(await again.json()).toEqual({ name: 'zk-main', revision: 1, changed: false, restartPending: [] });
  });

  it('GET /v1/clusters/{name} reports pending members before any probe', async () => {
    await put('zk-main', JSON.stringify(spec));
    const res = await app.request('/v1/clusters/zk-main');
    const body = (await res.json()) as {
      kind: string;
      revision: number;
      status: {
        health: string;
        members: { host: string; id: number; mode: string; process: string; lastProbe: null }[];
      };
    };
    expect(body.kind).toBe('zookeeper');
    expect(body.status.health).toBe('pending');
    expect(body.status.members.map((m) => [m.host, m.id, m.mode, m.process, m.lastProbe])).toEqual([
      ['zk1', 1, 'unknown', 'unknown', null],
      ['zk2', 2, 'unknown', 'unknown', null],
      ['zk3', 3, 'unknown', 'unknown', null],
    ]);
  });

  it('GET /v1/clusters/{name} is JSON of the current view: the same text while nothing changed, the new view after a change', async () => {
    await put('zk-main', JSON.stringify(spec));
    const get = async () => {
      const res = await app.request('/v1/clusters/zk-main');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      return res.text();
    };
    const first = await get();
    expect(JSON.parse(first)).toEqual(JSON.parse(JSON.stringify(fleet.clusterStatus('zk-main'))));
    expect(await get()).toBe(first);
    fleet.recordStatus('zk1', {
      appliedGeneration: plannedGeneration(fleet, 'zk1'),
      applyError: '',
      instances: [
        {
          id: 'zk-main/zk-1',
          process: 'running',
          pid: 7,
          restarts: 0,
          detail: '',
          restartPending: false,
          probeAt: 0,
          probe: undefined,
        },
      ],
    });
    const after = JSON.parse(await get()) as { status: { members: { process: string; pid: number }[] } };
    expect(after.status.members[0]).toMatchObject({ process: 'running', pid: 7 });
  });

  it('GET /v1/clusters/{name} of a cluster over MEMBERS_PER_TURN members: streamed in slices, then its kept bytes, the JSON of the view', async () => {
    await put('zk-main', JSON.stringify(spec));
    const hosts = Array.from({ length: MEMBERS_PER_TURN + 2 }, (_, i) => `s${i}`);
    // One commit for the 1,002 registrations: each on its own is a transaction fsync'd to disk,
    // 3 s of this test alone and past its 30 s limit in a suite run beside starting JVMs.
    store.transaction(() => {
      for (const [i, name] of hosts.entries())
        fleet.connectAgent(
          {
            name,
            address: `10.1.${i >> 8}.${i & 255}`,
            agentVersion: 't',
            dataRoot: '/d',
            labels: {},
            facts: {},
          },
          session(name),
        );
    });
    const storm = {
      kind: 'storm',
      distribution: { home: '/opt/storm' },
      zookeeper: 'zk-main',
      nimbus: { hosts: ['s0'] },
      supervisors: { hosts: hosts.slice(1), slots: [6700] },
    };
    expect((await put('storm-big', JSON.stringify(storm))).status).toBe(200);
    // The route's view: a Storm cluster's with its active nimbus (FailoverEngine.clusterView).
    const routeView = failovers.clusterView('storm-big');
    // Not made yet: the route streams it (a body asked for here is a stream too, and is not read).
    expect(jsonBodyStream(routeView, routeView.status.members)).toBeInstanceOf(ReadableStream);
    const first = await app.request('/v1/clusters/storm-big');
    expect(first.status).toBe(200);
    const chunks: Uint8Array[] = [];
    for await (const chunk of first.body!) chunks.push(chunk);
    // The text around the members, two slices of them, the rest: not one body made whole.
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const text = Buffer.concat(chunks).toString('utf8');
    const view = JSON.parse(text) as { status: { members: unknown[] } };
    expect(view.status.members).toHaveLength(hosts.length);
    expect(text).toBe(JSON.stringify(routeView));
    // Read to its end, the stream kept its bytes: the next read of the same view gets them whole.
    expect(failovers.clusterView('storm-big')).toBe(routeView);
    expect(jsonBodyStream(routeView, routeView.status.members)).toBeInstanceOf(Uint8Array);
    const again = await app.request('/v1/clusters/storm-big');
    expect(await again.text()).toBe(text);
  });
  it('invalid spec → 400 listing every problem, nothing stored or pushed', async () => {
    const res = await put(
      'zk-main',
      JSON.stringify({
        ...spec,
        members: [
          { host: 'nope', id: 0 },
          { host: 'zk2', id: 2, clientPort: 'x' },
        ],
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.details.map((d) => d.path)).toContain('members[1].clientPort');
    expect(pushed).toEqual([]);
    expect((await app.request('/v1/clusters')).status).toBe(200);
    expect(((await (await app.request('/v1/clusters')).json()) as { clusters: unknown[] }).clusters).toEqual(
      [],
    );
  });

  it("validation's warnings come with the PUT's answer (a Kafka min.insync.replicas that one broker down blocks)", async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    const kafka = JSON.stringify({
      name: 'kafka-w',
      kind: 'kafka',
      distribution: { home: '/opt/kafka' },
      zookeeper: 'zk-main',
      brokers: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
      settings: { 'default.replication.factor': 2, 'min.insync.replicas': 2 },
    });
    const warning =
      'settings.min.insync.replicas: min.insync.replicas equals default.replication.factor (2): one broker down blocks acks=all writes, and no broker ' +
      'holding such a partition can be restarted: hactl stops a broker only while each of its partitions keeps min.insync.replicas ' +
      'in-sync replicas without it, so rollouts of this cluster pause at their first broker. Use min.insync.replicas 1 or default.replication.factor 3';
    const res = await put('kafka-w', kafka);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { warnings?: string[] }).warnings).toEqual([warning]);
    // The same spec again: unchanged, and still warned about (the warning is about the spec).
    const again = (await (await put('kafka-w', kafka)).json()) as { changed: boolean; warnings?: string[] };
    expect(again).toMatchObject({ changed: false, warnings: [warning] });
  });

  /** A Storm cluster on zk-main with nimbus on `nimbus` and a supervisor on zk3. */
  const stormSpec = (name: string, nimbus: string[]) => ({
    name,
    kind: 'storm',
    distribution: { home: '/opt/storm' },
    zookeeper: 'zk-main',
    nimbus: { hosts: nimbus },
    supervisors: { hosts: ['zk3'] },
  });

  it("the kind's notes on a change come apart from validation's warnings (a Kafka upgrade; a Storm standby without a shared blobstore.dir)", async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    const kafka = (home: string) =>
      JSON.stringify({
        name: 'kafka-n',
        kind: 'kafka',
        distribution: { home },
        zookeeper: 'zk-main',
        brokers: [1, 2, 3].map((i) => ({ host: `zk${i}`, id: i })),
      });
    expect((await put('kafka-n', kafka('/opt/kafka-3.8'))).status).toBe(200);
    const upgraded = (await (await put('kafka-n', kafka('/opt/kafka-3.9'))).json()) as {
      notes?: string[];
      warnings?: string[];
    };
    expect(upgraded.warnings).toBeUndefined();
    expect(upgraded.notes?.[0]).toMatch(/^kafka upgrade: brokers are restarted one at a time/);
    const storm = (await (
      await put('storm-n', JSON.stringify(stormSpec('storm-n', ['zk1', 'zk2'])))
    ).json()) as { notes?: string[]; warnings?: string[] };
    expect(storm.notes).toBeUndefined();
    expect(storm.warnings).toEqual([
      expect.stringMatching(
        /^settings\.blobstore\.dir: failover: manual with 1 standby nimbus host\(s\) and no blobstore\.dir/,
      ),
    ]);
  });

  it('a second cluster under a znode root another one keeps on the ensemble → 400 at the field that sets it, nothing stored or pushed', async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    const kafka = (name: string, host: string) => ({
      name,
      kind: 'kafka',
      distribution: { home: '/opt/kafka' },
      zookeeper: 'zk-main',
      chroot: '/shared',
      brokers: [{ host, id: 1 }],
    });
    expect((await put('kafka-a', JSON.stringify(kafka('kafka-a', 'zk1')))).status).toBe(200);
    pushed.length = 0;
    const refused = [
      await put('kafka-b', JSON.stringify(kafka('kafka-b', 'zk2'))),
      await put(
        'storm-b',
        JSON.stringify({ ...stormSpec('storm-b', ['zk3']), settings: { 'storm.zookeeper.root': '/shared' } }),
      ),
    ];
    const bodies = await Promise.all(
      refused.map(async (r) => ({
        status: r.status,
        ...((await r.json()) as { error: { code: string; details: { path: string; message: string }[] } }),
      })),
    );
    expect(bodies.map((b) => [b.status, b.error.code, b.error.details])).toEqual(
      ['chroot', 'settings.storm.zookeeper.root'].map((path) => [
        400,
        'invalid_argument',
        [
          {
            path,
            message:
              'kafka cluster kafka-a already uses /shared on zk-main; give this cluster a root of its own',
          },
        ],
      ]),
    );
    expect(pushed).toEqual([]);
    const missing = await app.request('/v1/clusters/kafka-b');
    expect(missing.status).toBe(404);
    // A mistyped name shows the ones that exist.
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      `cluster "kafka-b" not found; there are kafka-a, zk-main`,
    );
    expect((await app.request('/v1/clusters/storm-b')).status).toBe(404);
  });

  it.each([
    ['malformed JSON', '{"name": ', 400, 'invalid_json'],
    ['empty body', '', 400, 'invalid_json'],
    ['a JSON array', '[1,2]', 400, 'invalid_argument'],
    ['unknown kind', JSON.stringify({ kind: 'cassandra' }), 400, 'invalid_argument'],
    ['name mismatch', JSON.stringify({ ...spec, name: 'other' }), 400, 'invalid_argument'],
  ])('garbage: %s → %i %s', async (_s, body, status, code) => {
    const res = await put('zk-main', body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('failover: bad bodies → 400 naming each field; unknown cluster → 404; not a manual Storm cluster → 400; bad id → 400; unknown id → 404', async () => {
    const post = (name: string, body: string) =>
      app.request(`/v1/clusters/${name}/failover`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    const bad = await post('zk-main', JSON.stringify({ to: 'a b', reason: 'x\ny', extra: 1 }));
    expect(bad.status).toBe(400);
    const details = ((await bad.json()) as { error: { details: { path: string }[] } }).error.details;
    expect(details.map((d) => d.path).sort()).toEqual(['extra', 'reason', 'to']);
    expect((await post('ghost', '{}')).status).toBe(404);
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    const zk = await post('zk-main', '{}');
    expect(zk.status).toBe(400);
    expect(JSON.stringify(await zk.json())).toMatch(/not a Storm cluster with failover: manual/);
    expect((await app.request('/v1/failovers/NOT-HEX')).status).toBe(400);
    expect((await app.request('/v1/failovers/abcdef')).status).toBe(404);
  });

  it('bad names in the path → 400; unknown cluster → 404; unknown route → 404', async () => {
    expect((await app.request('/v1/clusters/Bad..Name')).status).toBe(400);
    expect((await app.request('/v1/clusters/ghost')).status).toBe(404);
    expect((await app.request('/v2/whatever')).status).toBe(404);
  });

  it('a body over 1 MiB → 413', async () => {
    const res = await put('zk-main', JSON.stringify({ ...spec, pad: 'x'.repeat(1024 * 1024 + 10) }));
    expect(res.status).toBe(413);
  });

  it.each([
    ['a rollback', '/v1/clusters/zk-main/rollback', '{"to":1}'],
    ['a rollout start', '/v1/clusters/zk-main/rollouts', '{"action":"restart"}'],
    ['a rollout action', '/v1/rollouts/abc123/pause', '{}'],
  ])('%s over 1 MiB (valid JSON, whitespace padded) → 413, nothing started', async (_s, p, body) => {
    await put('zk-main', JSON.stringify(spec));
    const res = await app.request(p, {
      method: 'POST',
      body: body + ' '.repeat(1024 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const rollouts = (await (await app.request('/v1/clusters/zk-main/rollouts')).json()) as {
      rollouts: unknown[];
    };
    expect(rollouts.rollouts).toEqual([]);
  });

  it(
    'a shrunk spec is a new revision carried out by a membership procedure: the removed members keep running until their stop step; ' +
      'DELETE removes the cluster (ending the procedure), keeps its history and pushes the emptied desired state',
    async () => {
      await put('zk-main', JSON.stringify(spec));
      const shrunk = await put(
        'zk-main',
        JSON.stringify({ ...spec, kind: 'zookeeper', members: spec.members.slice(0, 1) }),
      );
      expect(shrunk.status).toBe(200);
      const applied = (await shrunk.json()) as { rollout?: string; membershipSteps?: string[] };
      expect(applied.rollout).toBeTruthy();
      // 3 → 2 → 1: one server per phase; each phase moves leadership off the member it removes (only
      // if that member leads then), restarts the remaining members, then stops it. No handover into a
      // one-member ensemble: it runs standalone.
      expect(applied.membershipSteps).toEqual([
        'phase 1 (members zk-1, zk-2): restart if it leads then (leadership moves off the removed member) zk-main/zk-3 on zk3',
        'phase 1 (members zk-1, zk-2): restart onto the new member list zk-main/zk-1 on zk1',
        'phase 1 (members zk-1, zk-2): restart onto the new member list zk-main/zk-2 on zk2',
        'phase 1 (members zk-1, zk-2): stop removed member zk-main/zk-3 on zk3',
        'phase 2 (members zk-1): restart onto the new member list zk-main/zk-1 on zk1',
        'phase 2 (members zk-1): stop removed member zk-main/zk-2 on zk2',
      ]);
      // Another change while the procedure runs is refused, changing nothing.
      const again = await put('zk-main', JSON.stringify(spec));
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { message: string } }).error.message).toContain(
        applied.rollout,
      );
      pushed.length = 0;
      const del = await app.request('/v1/clusters/zk-main', { method: 'DELETE' });
      // The answer names what stays on disk: deleting a cluster never removes its data. No step ran,
      // so all three members still run and are stopped by the delete.
      const dirs = (n: number) => [
        `/d/zookeeper/zk-main/${n}/data`,
        `/d/zookeeper/zk-main/${n}/conf`,
        `/d/zookeeper/zk-main/${n}/logs`,
      ];
      expect(await del.json()).toEqual({
        name: 'zk-main',
        deleted: true,
        instances: [1, 2, 3].map((n) => ({ instance: `zk-main/zk-${n}`, host: `zk${n}`, dirs: dirs(n) })),
      });
      expect(pushed.map((p) => p.host).sort()).toEqual(['zk1', 'zk2', 'zk3']);
      expect((await app.request('/v1/clusters/zk-main')).status).toBe(404);
      expect(
        ((await (await app.request('/v1/clusters/zk-main/revisions')).json()) as { revisions: unknown[] })
          .revisions,
      ).toHaveLength(2);
      const r = (await (await app.request(`/v1/rollouts/${applied.rollout}`)).json()) as { state: string };
      expect(r.state).toBe('aborted');
    },
  );

  it('GET /v1/hosts lists the registered agents with generations', async () => {
    await put('zk-main', JSON.stringify(spec));
    const body = (await (await app.request('/v1/hosts')).json()) as {
      hosts: { name: string; connected: boolean; generation: number; instances: number }[];
    };
    expect(body.hosts.map((h) => [h.name, h.connected, h.generation, h.instances])).toEqual([
      ['zk1', true, 2, 1],
      ['zk2', true, 2, 1],
      ['zk3', true, 2, 1],
    ]);
  });
});

const post = (p: string, body: string, type?: string) =>
  app.request(p, { method: 'POST', body, headers: type === undefined ? {} : { 'content-type': type } });
let deep = '1';
for (let i = 0; i < 1500; i++) deep = `{"a":${deep}}`;

describe('REST API: inputs that used to slip through (issue 16 #3)', () => {
  it.each([
    [
      '__proto__ in a PUT spec → 400 naming settings.__proto__',
      () =>
        put(
          'zk-main',
          JSON.stringify(spec).replace(
            '"members"',
            '"settings":{"__proto__":{"tickTime":1},"syncLimit":5},"members"',
          ),
        ),
      'settings.__proto__',
    ],
    [
      '__proto__ in an apply request → 400 naming clusters[0].settings.__proto__',
      () =>
        post(
          '/v1/apply',
          `{"clusters":[${JSON.stringify(spec).replace('"members"', '"settings":{"__proto__":{}},"members"')}]}`,
          'application/json',
        ),
      'clusters[0].settings.__proto__',
    ],
    [
      "an apply request whose message is not a string (was dropped for the header's) → 400 naming message",
      () => post('/v1/apply', JSON.stringify({ clusters: [spec], message: 7 }), 'application/json'),
      'message',
    ],
    [
      'constructor as a member field → 400 naming it',
      () => put('zk-main', JSON.stringify({ ...spec, members: [{ host: 'zk1', id: 1, constructor: 1 }] })),
      'members[0].constructor',
    ],
    [
      'elasticsearch settings nested 1,500 levels (was a stack overflow, 500) → 400',
      () =>
        put(
          'es-main',
          `{"kind":"elasticsearch","distribution":{"home":"/es"},"nodes":[{"host":"zk1","name":"n1","roles":["master"]}],"settings":{"x":${deep}}}`,
        ),
      `settings.x${'.a'.repeat(30)}`,
    ],
  ])('%s; nothing stored', async (_scenario, send, path) => {
    const res = await send();
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { path: string; message: string }[] };
    };
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.details.map((d) => d.path)).toEqual([path]);
    expect(pushed).toEqual([]);
    expect(((await (await app.request('/v1/clusters')).json()) as { clusters: unknown[] }).clusters).toEqual(
      [],
    );
  });
});

describe('REST API: calls that change state take JSON only (issue 16 #4)', () => {
  beforeEach(async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
  });

  it.each([
    ['a text/plain rollout start (what a web page can send without a preflight)', 'text/plain'],
    ['a form-encoded rollout start', 'application/x-www-form-urlencoded'],
    ['a multipart rollout start', 'multipart/form-data; boundary=x'],
    ['a rollout start without a Content-Type', undefined],
  ])('%s → 415, no rollout', async (_scenario, type) => {
    const res = await post('/v1/clusters/zk-main/rollouts', '{"action":"restart"}', type);
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_media_type');
    expect(body.error.message).toMatch(/application\/json/);
    expect(
      ((await (await app.request('/v1/clusters/zk-main/rollouts')).json()) as { rollouts: unknown[] })
        .rollouts,
    ).toEqual([]);
  });

  it('a text/plain PUT of a spec → 415, nothing stored; a DELETE declaring a form body → 415; JSON with a charset → accepted', async () => {
    const res = await app.request('/v1/clusters/zk-main', {
      method: 'PUT',
      body: JSON.stringify({ ...spec, members: spec.members.slice(0, 1) }),
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
    expect(res.status).toBe(415);
    expect(
      ((await (await app.request('/v1/clusters/zk-main/revisions')).json()) as { revisions: unknown[] })
        .revisions,
    ).toHaveLength(1);
    expect(
      (
        await app.request('/v1/clusters/zk-main', {
          method: 'DELETE',
          body: 'a=1',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(415);
    expect((await app.request('/v1/clusters/zk-main')).status).toBe(200);
    const ok = await post(
      '/v1/clusters/zk-main/rollouts',
      '{"action":"restart"}',
      'application/json; charset=utf-8',
    );
    expect(ok.status).toBe(201);
  });

  it('reads stay open: GET needs no Content-Type', async () => {
    expect((await app.request('/v1/clusters/zk-main')).status).toBe(200);
  });
});

describe('REST API: a full disk (issue 16 #10)', () => {
  it('SQLITE_FULL on apply → 507 insufficient_storage saying the disk is full, nothing stored or pushed', async () => {
    // Inject the real SQLite error: the database may not grow past the pages it has now, and the
    // free room left in them is filled up (as a full disk leaves it).
    const db = (store as unknown as { db: { pragma(s: string, o?: { simple: boolean }): unknown } }).db;
    db.pragma(`max_page_count = ${String(db.pragma('page_count', { simple: true }))}`);
    let fillErr: unknown;
    for (const size of [1000, 100, 10, 0]) {
      for (let i = 0; i < 10_000; i++) {
        try {
          store.appendEvent({
            at: 1,
            type: 'filler',
            cluster: null,
            host: null,
            message: 'x'.repeat(size),
            data_json: '{}',
          });
        } catch (err) {
          fillErr = err;
          break;
        }
      }
    }
    expect(fillErr).toBeInstanceOf(StorageFullError);
    const res = await put('zk-main', JSON.stringify(spec));
    expect(res.status).toBe(507);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('insufficient_storage');
    expect(body.error.message).toMatch(
      /disk holding .*state\.db is full \(SQLITE_FULL\); nothing was changed/,
    );
    expect(pushed).toEqual([]);
    db.pragma('max_page_count = 1073741823');
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
  });
});

describe('REST API: identity', () => {
  it('GET /v1/info names this control plane (agents remember it)', async () => {
    expect(await (await app.request('/v1/info')).json()).toEqual({
      controlPlaneId: 'AAAAAAAAAAAAAAAAAAAAAA',
    });
  });
});

describe("REST API: an apply's rollout options", () => {
  const post = (query: string, body: unknown) =>
    app.request(`/v1/apply${query}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const details = async (res: Response) =>
    ((await res.json()) as { error: { details: { path: string; message: string }[] } }).error.details;

  it("bad values → 400 naming each parameter, with the rollout request's limits; nothing stored (a dry run refuses them too)", async () => {
    for (const dry of ['', '&dryRun=true']) {
      const res = await app.request(
        `/v1/clusters/zk-main?gateTimeoutSec=30s&onGateTimeout=later&pauseBetweenSec=3601${dry}`,
        { method: 'PUT', body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } },
      );
      expect(res.status).toBe(400);
      expect(await details(res)).toEqual([
        { path: 'pauseBetweenSec', message: 'must be an integer between 0 and 3600' },
        { path: 'gateTimeoutSec', message: 'must be an integer between 5 and 86400' },
        { path: 'onGateTimeout', message: 'must be pause, abort or rollback' },
      ]);
    }
    const low = await post('?gateTimeoutSec=4', { clusters: [spec] });
    expect(low.status).toBe(400);
    expect(await details(low)).toEqual([
      { path: 'gateTimeoutSec', message: 'must be an integer between 5 and 86400' },
    ]);
    expect(store.getCluster('zk-main')).toBeUndefined();
    expect(pushed).toEqual([]);
  });

  const rollback = (body: unknown) =>
    app.request('/v1/clusters/zk-main/rollback', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('a rollback takes them in its body: bad ones and onGateTimeout rollback → 400 naming each, nothing stored', async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    const bad = await rollback({ to: 1, gateTimeoutSec: 3, onGateTimeout: 'later' });
    expect(bad.status).toBe(400);
    expect((await details(bad)).map((d) => d.path)).toEqual(['gateTimeoutSec', 'onGateTimeout']);
    const again = await rollback({ to: 1, onGateTimeout: 'rollback' });
    expect(again.status).toBe(400);
    expect(await details(again)).toEqual([
      {
        path: 'onGateTimeout',
        message:
          'a rollback cannot roll back on a gate timeout: that would apply again the revision it leaves; use pause or abort',
      },
    ]);
    expect(store.getCluster('zk-main')!.current_revision).toBe(1);
    expect((await rollback({ to: 1, onGateTimeout: 'abort', pauseBetweenSec: 2 })).status).toBe(200);
  });

  it('a rollback with an unknown field, a bad message or no object → 400 naming each, nothing stored', async () => {
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    // A misspelt option used to be dropped: the rollback then ran with the default gate timeout.
    const misspelt = await rollback({ to: 1, gateTimeout: 30, message: 7 });
    expect(misspelt.status).toBe(400);
    expect(await details(misspelt)).toEqual([
      { path: 'gateTimeout', message: 'unknown field' },
      { path: 'message', message: 'must be a string' },
    ]);
    for (const to of [0, 1.5, 2 ** 53, '1'])
      expect(await details(await rollback({ to }))).toEqual([
        { path: 'to', message: 'must be a revision number' },
      ]);
    const list = await rollback([{ to: 1 }]);
    expect(list.status).toBe(400);
    expect(await details(list)).toEqual([{ path: '', message: 'expected an object {to, ...}' }]);
    expect(store.getCluster('zk-main')!.current_revision).toBe(1);
    // A long message is cut to 500 characters with its prefix, as the x-hactl-message header of an apply is
    // (a second revision first, so the rollback to 1 stores a third).
    const changed = { ...spec, settings: { tickTime: 3000 } };
    expect((await put('zk-main', JSON.stringify(changed))).status).toBe(200);
    expect((await rollback({ to: 1, message: 'x'.repeat(600) })).status).toBe(200);
    expect(store.listRevisions('zk-main').map((r) => [r.revision, r.message])).toEqual([
      [1, ''],
      [2, ''],
      [3, `rollback to revision 1: ${'x'.repeat(600)}`.slice(0, 500)],
    ]);
  });

  it('a revision or cluster that is not there → 404 naming the ones that are', async () => {
    const message = async (res: Response) => {
      expect(res.status).toBe(404);
      return ((await res.json()) as { error: { message: string } }).error.message;
    };
    expect(await message(await rollback({ to: 1 }))).toBe(
      'cluster "zk-main" not found; there are no clusters',
    );
    expect((await put('zk-main', JSON.stringify(spec))).status).toBe(200);
    expect(await message(await rollback({ to: 99 }))).toBe(
      'revision "zk-main@99" not found; zk-main has only revision 1 (hactl history zk-main)',
    );
    expect((await put('zk-main', JSON.stringify({ ...spec, settings: { tickTime: 3000 } }))).status).toBe(
      200,
    );
    expect(await message(await rollback({ to: 7 }))).toBe(
      'revision "zk-main@7" not found; zk-main has revisions 1 to 2 (hactl history zk-main)',
    );
    expect(await message(await app.request('/v1/clusters/zk-mian/revisions'))).toBe(
      'cluster "zk-mian" not found; there are zk-main',
    );
  });

  it('with rollout=false → 400 naming the option, nothing stored; good values are accepted', async () => {
    const res = await post('?rollout=false&onGateTimeout=rollback', { clusters: [spec] });
    expect(res.status).toBe(400);
    expect(await details(res)).toEqual([
      {
        path: 'onGateTimeout',
        message:
          'applies to the rollout an apply starts; with rollout=false none starts (give it to hactl rollout start instead)',
      },
    ]);
    expect(store.getCluster('zk-main')).toBeUndefined();
    const ok = await app.request(
      '/v1/clusters/zk-main?gateTimeoutSec=60&onGateTimeout=abort&pauseBetweenSec=0',
      {
        method: 'PUT',
        body: JSON.stringify(spec),
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(ok.status).toBe(200);
    expect(store.getCluster('zk-main')!.current_revision).toBe(1);
  });
});
