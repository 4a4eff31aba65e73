import { NotMasterError } from '../coordinator.js';
import type { NodeContext } from '../node-context.js';
import { EsError, masterNotDiscovered } from './errors.js';
import { negotiate, renderJson } from './media.js';
import { timeParam } from './rest-cluster.js';
import { matchRoute, type RestRequest, type Route } from './router.js';

export interface RawRequest {
  method: string;
  url: string;
  accept: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends a master-node request to the elected master and returns its answer (transport forward). */
export type ForwardFn = (masterId: string, req: RawRequest) => Promise<RawResponse>;

const PRODUCT_HEADER = { 'X-elastic-product': 'Elasticsearch' };

/**
 * One REST request end to end: content negotiation, routing (400 "no handler found", 405 with
 * `Allow`), master-node actions forwarded to (or waiting for) the elected master, and ES's JSON error
 * shape. Every response carries `X-elastic-product: Elasticsearch`, which the 8.x client's product
 * check requires on 2xx answers.
 */
export async function dispatch(
  routes: readonly Route[],
  ctx: NodeContext,
  raw: RawRequest,
  forward: ForwardFn,
  forwarded: boolean,
): Promise<RawResponse> {
  const u = new URL(raw.url, 'http://localhost');
  const pretty = u.searchParams.has('pretty') && u.searchParams.get('pretty') !== 'false';
  let jsonType = 'application/json';
  const json = (status: number, body: unknown, extra: Record<string, string> = {}): RawResponse => ({
    status,
    headers: { ...PRODUCT_HEADER, 'content-type': jsonType, ...extra },
    body: raw.method === 'HEAD' ? '' : renderJson(body, pretty),
  });
  try {
    const neg = negotiate(raw.accept, raw.contentType, raw.body.length > 0);
    jsonType = neg.jsonContentType;
    const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : '/';
    const m = matchRoute(routes, raw.method, path);
    if (m === undefined) {
      return json(400, { error: `no handler found for uri [${u.pathname}${u.search}] and method [${raw.method}]`, status: 400 });
    }
    if ('allowed' in m) {
      return json(
        405,
        { error: `Incorrect HTTP method for uri [${u.pathname}${u.search}] and method [${raw.method}], allowed: [${m.allowed.join(', ')}]`, status: 405 },
        { Allow: m.allowed.join(',') },
      );
    }
    let body: unknown;
    if (raw.body.trim().length > 0) {
      try {
        body = JSON.parse(raw.body);
      } catch (err) {
        throw new EsError(400, 'x_content_parse_exception', `[1:1] ${(err as Error).message}`);
      }
    }
    const req: RestRequest = { method: raw.method, path, params: m.params, query: u.searchParams, body, negotiated: neg };
    const run = async (): Promise<RawResponse> => {
      const res = await m.route.handler(req, ctx);
      if (typeof res.body === 'string') {
        return {
          status: res.status,
          headers: { ...PRODUCT_HEADER, 'content-type': 'text/plain; charset=UTF-8', ...res.headers },
          body: raw.method === 'HEAD' ? '' : res.body,
        };
      }
      return json(res.status, res.body, res.headers);
    };
    // `local=true` (health, cat APIs): answer from this node's applied state, no master needed.
    const local = m.route.method === 'GET' && u.searchParams.get('local') === 'true';
    if (!m.route.master || forwarded || local) return await run();
    // TransportMasterNodeAction: run on the master, waiting up to master_timeout for one to exist.
    const deadline = ctx.now() + timeParam(req, 'master_timeout', 30_000);
    for (;;) {
      const master = await ctx.coordinator.waitForMaster(deadline - ctx.now());
      if (!master) throw masterNotDiscovered();
      try {
        if (master.id === ctx.local.id) return await run();
        return await forward(master.id, raw);
      } catch (err) {
        if (!(err instanceof NotMasterError) && !(err as { retriable?: boolean }).retriable) throw err;
        if (ctx.now() >= deadline) throw masterNotDiscovered();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    if (err instanceof EsError) return json(err.status, err.body());
    if (err instanceof NotMasterError && forwarded) throw err;
    const e = err as Error;
    return json(500, new EsError(500, 'exception', e.message).body());
  }
}
