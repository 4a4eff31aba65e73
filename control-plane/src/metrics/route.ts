import type { Hono } from 'hono';
import type { Metrics } from './metrics.js';

/**
 * `GET /metrics` in the Prometheus text exposition format. It needs a token with the `read` scope
 * like every other read (trust/policy.ts requiredScope): the metrics name clusters, hosts and
 * members, and Prometheus sends a bearer token (`authorization.credentials_file` in a scrape config).
 * Without metrics (an app built without them) the route is absent.
 */
export function addMetricsRoute<E extends object>(app: Hono<E>, metrics: Metrics | undefined): void {
  if (!metrics) return;
  app.get('/metrics', async (c) => {
    const { text, contentType } = await metrics.render();
    return c.body(text, 200, { 'content-type': contentType });
  });
}
