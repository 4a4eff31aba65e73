import { elasticsearch } from '@hactl/shared';

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

/**
 * `GET /` (answers even without a master, §4.3), then `_cluster/health` and `_cat/nodes` (master-node
 * actions: a masterless node waits `master_timeout`, 30 s by default, before its 503, §4.4 — so both
 * get a master_timeout of half the probe budget). The 8.x client, because it talks to 8.x and 9.x
 * servers alike (§4.3a); no retries, one client per probe, closed afterwards.
 */
export async function probeElasticsearch(
  inputs: Inputs,
  timeoutMs: number,
): Promise<elasticsearch.ElasticsearchProbe> {
  let client: { close(): Promise<void> } | undefined;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const { Client } = await import('@elastic/elasticsearch');
    const es = new Client({
      node: nodeUrl(inputs.address, inputs.httpPort),
      requestTimeout: timeoutMs,
      maxRetries: 0,
      compression: false,
    });
    client = es;
    const opts = { signal: abort.signal };
    const masterTimeout = `${Math.max(100, Math.floor(timeoutMs / 2))}ms`;
    const root = await answer(() => es.info(undefined, opts));
    if (!root.ok) return elasticsearch.checkElasticsearchProbe(root, undefined, undefined);
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
  } catch (err) {
    // A body that fails to parse lands here; the probe never rejects.
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 1000) };
  } finally {
    clearTimeout(timer);
    await client?.close().catch(() => undefined);
  }
}
