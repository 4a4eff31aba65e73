import { elasticsearch } from '@hactl/shared';
import { ReusedClient } from '../reuse.js';
import type { Prober } from '../types.js';

type Inputs = elasticsearch.ElasticsearchInputs;
type Answer = elasticsearch.ProbeAnswer;

/** `http://<address>:<port>` with IPv6 addresses bracketed. */
export function nodeUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function failure(err: unknown): Answer {
  const e = err as { message?: string; meta?: { statusCode?: number; body?: unknown } };
  const status = e.meta?.statusCode;
  return {
    ok: false,
    ...(typeof status === 'number' ? { status } : {}),
    ...(e.meta?.body !== undefined && typeof e.meta.body === 'object' ? { body: e.meta.body } : {}),
    message: (e.message ?? String(err)).split('\n')[0]!.slice(0, 500),
  };
}

async function answer(call: () => Promise<unknown>): Promise<Answer> {
  try {
    return { ok: true, body: await call() };
  } catch (err) {
    return failure(err);
  }
}

/**
 * Ready after a restart once the node is back in the cluster: the elected master lists it in
 * `_cat/nodes` — the rolling-restart procedure's "wait until it joins" before allocation is
 * re-enabled (service-facts §4.7). An HTTP answer alone is not enough: a node that found no master
 * opens HTTP anyway once `discovery.initial_state_timeout` (30 s) has passed, with `cluster_uuid`
 * `_na_` or its old uuid, and `afterRestart` would then restore allocation without it.
 */
export function isElasticsearchReady(probe: unknown): boolean {
  const p = elasticsearch.elasticsearchProbeSchema.safeParse(probe);
  if (!p.success || !p.data.ok || p.data.noMaster || p.data.master === undefined) return false;
  const name = p.data.nodeName;
  return name !== undefined && (p.data.nodes ?? []).some((n) => n.name === name);
}

/** The client calls the probe makes (the 8.x `Client` fits). */
export interface EsClientLike {
  info(params: undefined, opts: { signal: AbortSignal }): Promise<unknown>;
  cluster: {
    health(
      params: { master_timeout: string; timeout: string },
      opts: { signal: AbortSignal },
    ): Promise<unknown>;
  };
  cat: {
    nodes(
      params: { format: 'json'; h: string[]; master_timeout: string },
      opts: { signal: AbortSignal },
    ): Promise<unknown>;
  };
  close(): Promise<void>;
}

/** Creates a client for one node's URL. */
export type EsClientOpen = (url: string, timeoutMs: number) => Promise<EsClientLike>;

/**
 * The 8.x client, because it talks to 8.x and 9.x servers alike (§4.3a); no retries. It loads on
 * the first Elasticsearch probe.
 */
export const openElasticsearchClient: EsClientOpen = async (url, timeoutMs) => {
  const { Client } = await import('@elastic/elasticsearch');
  return new Client({ node: url, requestTimeout: timeoutMs, maxRetries: 0, compression: false });
};

/** A request that failed before any HTTP answer (refused, reset, timed out): the client is dropped. */
class NoAnswer extends Error {
  constructor(readonly root: Answer) {
    super(root.ok ? 'answered' : root.message);
  }
}

/**
 * `GET /` (answers even without a master, §4.3), then `_cluster/health` and `_cat/nodes` (master-node
 * actions: a masterless node waits `master_timeout`, 30 s by default, before its 503, §4.4 — so both
 * get a master_timeout of half the probe budget).
 */
async function probeWith(
  es: EsClientLike,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<elasticsearch.ElasticsearchProbe> {
  const opts = { signal };
  const masterTimeout = `${Math.max(100, Math.floor(timeoutMs / 2))}ms`;
  const root = await answer(() => es.info(undefined, opts));
  if (!root.ok) {
    if (root.status === undefined) throw new NoAnswer(root);
    return elasticsearch.checkElasticsearchProbe(root, undefined, undefined);
  }
  const [health, nodes] = await Promise.all([
    answer(() => es.cluster.health({ master_timeout: masterTimeout, timeout: masterTimeout }, opts)),
    answer(() =>
      es.cat.nodes(
        { format: 'json', h: ['name', 'master', 'node.role', 'ip'], master_timeout: masterTimeout },
        opts,
      ),
    ),
  ]);
  return elasticsearch.checkElasticsearchProbe(root, health, nodes);
}

/**
 * One node's prober: its client (and the client's keep-alive connections) is kept between probes,
 * and dropped when a request gets no HTTP answer at all, so the next probe starts clean.
 */
export function createElasticsearchProber(open: EsClientOpen = openElasticsearchClient): Prober<Inputs> {
  const client = new ReusedClient<EsClientLike>({
    open: (key) => {
      const { url, timeoutMs } = JSON.parse(key) as { url: string; timeoutMs: number };
      return open(url, timeoutMs);
    },
    alive: () => true,
    close: (c) => c.close(),
  });
  return {
    async probe(inputs, timeoutMs) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      const key = JSON.stringify({ url: nodeUrl(inputs.address, inputs.httpPort), timeoutMs });
      try {
        return await client.use(key, (es) => probeWith(es, timeoutMs, abort.signal));
      } catch (err) {
        if (err instanceof NoAnswer)
          return elasticsearch.checkElasticsearchProbe(err.root, undefined, undefined);
        // A body that fails to parse lands here; the probe never rejects.
        return { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 1000) };
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => client.close(),
  };
}

/** One probe on its own client, closed afterwards (tests). */
export async function probeElasticsearch(
  inputs: Inputs,
  timeoutMs: number,
): Promise<elasticsearch.ElasticsearchProbe> {
  const prober = createElasticsearchProber();
  try {
    return (await prober.probe(inputs, timeoutMs)) as elasticsearch.ElasticsearchProbe;
  } finally {
    await prober.close();
  }
}
