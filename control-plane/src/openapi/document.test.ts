import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { nullLogger } from '@hactl/shared';
import { reportedInstance, plannedGeneration } from '../reconcile/testing.js';
import { createApp } from '../api/app.js';
import { createCore, type Core } from '../core.js';
import { tempSqliteStore } from '../rollout/testing.js';
import { testTrust, withBearer } from '../trust/testing.js';
import { buildOpenApiDocument, ROUTES } from './document.js';

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

let core: Core;
let dispose: () => void;
let app: ReturnType<typeof withBearer>;
let built: ReturnType<typeof createApp>;
let ids = 0;
const now = 1_800_000_000_000;

beforeEach(() => {
  const t = tempSqliteStore('hactl-openapi-');
  dispose = t.dispose;
  core = createCore({
    store: t.store,
    logger: nullLogger,
    now: () => now,
    reportIntervalMs: 1000,
    leaseTtlMs: 60_000,
    randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    newId: () => `c${++ids}`,
  });
  const { trust, adminToken } = testTrust(t.store, () => now);
  // Every optional route family present, so the route list is the whole API.
  built = createApp({
    ...core,
    logger: nullLogger,
    trust,
    install: {
      installScript: '/nonexistent/install.sh',
      agentBundle: '/nonexistent/bundle.tar.gz',
      advertise: { host: '127.0.0.1', httpPort: () => 7080, grpcPort: () => 7443 },
    },
  });
  app = withBearer(built, adminToken);
  for (const i of [1, 2, 3])
    core.fleet.connectAgent(
      { name: `h${i}`, address: `127.0.0.1${i}`, agentVersion: 't', dataRoot: '/d', labels: {}, facts: {} },
      { sendDesired() {}, sendCommand() {}, close() {} },
    );
});
afterEach(() => dispose());

function report(): void {
  for (const i of [1, 2, 3]) {
    const probe =
      i === 2
        ? { ok: true, serving: true, mode: 'leader', syncedFollowers: 2 }
        : { ok: true, serving: true, mode: 'follower' };
    core.fleet.recordStatus(`h${i}`, {
      appliedGeneration: plannedGeneration(core.fleet, `h${i}`),
      applyError: '',
      instances: [reportedInstance(`zk/zk-${i}`, { pid: 100 + i, probeAt: now, probe })],
    });
  }
}

/** Checks `body` against the document's response schema of `method path status`; returns ajv's errors. */
function checker(doc: Doc): (method: string, path: string, status: number, body: unknown) => unknown {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  return (method, path, status, body) => {
    const ptr = `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`;
    const validate = ajv.getSchema(`openapi.json#${ptr}`);
    if (!validate) return `no schema for ${method} ${path} ${status}`;
    return validate(body) ? null : validate.errors;
  };
}

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with a bearer security scheme', async () => {
    const res = await app.request('/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.security).toEqual([{ bearer: [] }]);
    const anon = await built.request('/v1/openapi.json');
    expect(anon.status).toBe(401);
  });

  it('documents every route the app serves and no other', () => {
    const served = new Set(
      built.routes
        // The console's static files (/ui/) are no API.
        .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/ui'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it('real answers of the main routes validate against the documented response schemas', async () => {
    const doc = buildOpenApiDocument() as Doc;
    const check = checker(doc);
    const spec = {
      name: 'zk',
      kind: 'zookeeper',
      distribution: { home: '/zk' },
      members: [1, 2, 3].map((i) => ({ host: `h${i}`, id: i })),
    };
    const json = { 'content-type': 'application/json' };
    const calls: [string, string, string, RequestInit?][] = [
      [
        'put',
        '/v1/clusters/{name}',
        '/v1/clusters/zk',
        { method: 'PUT', body: JSON.stringify(spec), headers: json },
      ],
      [
        'post',
        '/v1/apply',
        '/v1/apply?dryRun=true',
        { method: 'POST', body: JSON.stringify({ clusters: [spec] }), headers: json },
      ],
      ['get', '/healthz', '/healthz'],
      ['get', '/v1/info', '/v1/info'],
      ['get', '/v1/replicas', '/v1/replicas'],
      ['get', '/v1/hosts', '/v1/hosts'],
      ['get', '/v1/clusters', '/v1/clusters'],
      ['get', '/v1/clusters/{name}', '/v1/clusters/zk'],
      ['get', '/v1/clusters/{name}/revisions', '/v1/clusters/zk/revisions'],
      ['get', '/v1/clusters/{name}/revisions/{revision}', '/v1/clusters/zk/revisions/1'],
      [
        'post',
        '/v1/clusters/{name}/rollouts',
        '/v1/clusters/zk/rollouts',
        { method: 'POST', body: JSON.stringify({ action: 'restart' }), headers: json },
      ],
      ['get', '/v1/clusters/{name}/rollouts', '/v1/clusters/zk/rollouts'],
      ['get', '/v1/events', '/v1/events'],
    ];
    for (const [method, path, url, init] of calls) {
      if (url === '/v1/clusters/zk/rollouts' && method === 'post') report();
      const res = await app.request(url, init);
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path} documented`).toBeDefined();
      expect(Object.keys(op!.responses), `${method} ${url} answered ${res.status}`).toContain(
        String(res.status),
      );
      expect(check(method, path, res.status, await res.json()), `${method} ${url}`).toBeNull();
    }
    const { rollouts } = (await (await app.request('/v1/clusters/zk/rollouts')).json()) as {
      rollouts: { id: string }[];
    };
    const id = rollouts[0]!.id;
    for (const [method, path, url] of [
      ['get', '/v1/rollouts/{id}', `/v1/rollouts/${id}`],
      ['post', '/v1/rollouts/{id}/{verb}', `/v1/rollouts/${id}/pause`],
    ] as const) {
      const res = await app.request(url, { method: method.toUpperCase(), headers: json });
      expect(res.status).toBe(200);
      expect(check(method, path, 200, await res.json()), url).toBeNull();
    }
    // Errors answer with the documented error body.
    const missing = await app.request('/v1/clusters/nope');
    expect(missing.status).toBe(404);
    expect(
      check('get', '/v1/clusters/{name}', 'default' as unknown as number, await missing.json()),
    ).toBeNull();
  });
});
