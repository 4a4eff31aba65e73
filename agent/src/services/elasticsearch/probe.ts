import { elasticsearch } from '@hactl/shared';
import { ReusedClient } from '../reuse.js';
import { noAnswerMessage, openHttpNode, type HttpNode } from '../http.js';
import type { Prober } from '../types.js';

type Inputs = elasticsearch.ElasticsearchInputs;
type Answer = elasticsearch.ProbeAnswer;

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
 * How a prober reaches one node: node:http (../http.ts), at most two connections (`_cluster/health`
 * and `_cat/nodes` go together); a fake in tests.
 *
 * Not @elastic/elasticsearch: the official client is the right tool for applications (typed APIs
 * for hundreds of endpoints, retries, sniffing, node pools), but a probe that makes three GETs paid
 * ~17-19 MB RSS for it on every Elasticsearch host. Plain `application/json` carries no
 * `compatible-with` version (service-facts §4.3a), so 7.x, 8.x and 9.x nodes all answer these
 * endpoints in their own format, which is the same for the fields parsed here.
 */
export type EsHttpOpen = (address: string, port: number) => HttpNode;

export const openElasticsearchHttp: EsHttpOpen = (address, port) => openHttpNode(address, port, 2);

/** A request that got no HTTP answer (refused, reset, timed out): the node's connections are dropped. */
class NoAnswer extends Error {
  constructor(readonly root: Answer) {
    super(root.ok ? 'answered' : root.message);
  }
}

/** One GET as a probe answer: 2xx with its JSON body, or the failure with status and error body. */
async function get(es: HttpNode, path: string, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
  let res;
  try {
    res = await es.request('GET', path, undefined, signal);
  } catch (err) {
    throw new NoAnswer({ ok: false, message: noAnswerMessage(err, signal, timeoutMs) });
  }
  if (res.status >= 200 && res.status < 300 && res.parseError === undefined)
    return { ok: true, body: res.body };
  return {
    ok: false,
    status: res.status,
    ...(res.body !== null && typeof res.body === 'object' ? { body: res.body } : {}),
    message: res.parseError ? `${path}: bad JSON: ${res.parseError}`.slice(0, 500) : `HTTP ${res.status}`,
  };
}

/** Any answer counts for the master-node actions; only `GET /` without one drops the connections. */
async function answer(es: HttpNode, path: string, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
  return get(es, path, signal, timeoutMs).catch((err: unknown) => (err as NoAnswer).root);
}

/**
 * `GET /` (answers even without a master, §4.3), then `_cluster/health` and `_cat/nodes` (master-node
 * actions: a masterless node waits `master_timeout`, 30 s by default, before its 503, §4.4 — so both
 * get a master_timeout of half the probe budget).
 */
async function probeWith(
  es: HttpNode,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<elasticsearch.ElasticsearchProbe> {
  const mt = `${Math.max(100, Math.floor(timeoutMs / 2))}ms`;
  const root = await get(es, '/', signal, timeoutMs);
  if (!root.ok) return elasticsearch.checkElasticsearchProbe(root, undefined, undefined);
  const [health, nodes] = await Promise.all([
    answer(es, `/_cluster/health?master_timeout=${mt}&timeout=${mt}`, signal, timeoutMs),
    answer(es, `/_cat/nodes?format=json&h=name,master,node.role,ip&master_timeout=${mt}`, signal, timeoutMs),
  ]);
  return elasticsearch.checkElasticsearchProbe(root, health, nodes);
}

/**
 * One node's prober: its keep-alive connections are kept between probes, and dropped when `GET /`
 * gets no HTTP answer at all, so the next probe starts clean. The whole probe (`GET /`, then the two
 * master-node actions together) shares one deadline.
 */
export function createElasticsearchProber(open: EsHttpOpen = openElasticsearchHttp): Prober<Inputs> {
  const node = new ReusedClient<HttpNode>({
    open: (key) => {
      const { address, port } = JSON.parse(key) as { address: string; port: number };
      return Promise.resolve(open(address, port));
    },
    alive: () => true,
    close: (c) => c.close(),
  });
  return {
    async probe(inputs, timeoutMs) {
      const signal = AbortSignal.timeout(timeoutMs);
      const key = JSON.stringify({ address: inputs.address, port: inputs.httpPort });
      try {
        return await node.use(key, (es) => probeWith(es, timeoutMs, signal));
      } catch (err) {
        if (err instanceof NoAnswer)
          return elasticsearch.checkElasticsearchProbe(err.root, undefined, undefined);
        // A body that fails to parse lands here; the probe never rejects.
        return { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 1000) };
      }
    },
    close: () => node.close(),
  };
}

/** One probe on its own connections, closed afterwards (tests). */
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
