import type { Negotiated } from './media.js';
import type { NodeContext } from '../node-context.js';

export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  negotiated: Negotiated;
}

export interface RestResult {
  status: number;
  /** Objects are JSON; strings are text/plain (cat tables). */
  body: unknown;
  headers?: Record<string, string>;
}

export type RestHandler = (req: RestRequest, ctx: NodeContext) => Promise<RestResult> | RestResult;

export interface Route {
  method: string;
  pattern: string;
  /** Runs on the elected master (TransportMasterNodeAction); other nodes forward it. */
  master: boolean;
  handler: RestHandler;
}

export type MatchResult = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/** Exact segments win over `{param}` segments, as in ES's PathTrie. */
export function matchRoute(routes: readonly Route[], method: string, path: string): MatchResult {
  const segs = path.split('/').filter((s) => s.length > 0);
  const hits: { route: Route; params: Record<string, string>; score: number }[] = [];
  for (const r of routes) {
    const ps = r.pattern.split('/').filter((s) => s.length > 0);
    if (ps.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      const s = decodeURIComponent(segs[i]!);
      if (p.startsWith('{') && p.endsWith('}')) {
        params[p.slice(1, -1)] = s;
      } else if (p === s) {
        score += 1 << (ps.length - i);
      } else {
        ok = false;
        break;
      }
    }
    if (ok) hits.push({ route: r, params, score });
  }
  if (hits.length === 0) return undefined;
  const best = Math.max(...hits.map((h) => h.score));
  const top = hits.filter((h) => h.score === best);
  const m = top.find((h) => h.route.method === method || (method === 'HEAD' && h.route.method === 'GET'));
  if (m) return { route: m.route, params: m.params };
  return { allowed: [...new Set(top.map((h) => h.route.method))].sort() };
}
