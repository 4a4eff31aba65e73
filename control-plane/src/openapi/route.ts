import type { Hono } from 'hono';
import { buildOpenApiDocument } from './document.js';

/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document (document.ts), built on the first call. A read
 * like any other (trust/policy.ts): it describes routes a caller without a token cannot use.
 */
export function addOpenApiRoute<E extends object>(app: Hono<E>): void {
  let doc: Record<string, unknown> | undefined;
  app.get('/v1/openapi.json', (c) => c.json((doc ??= buildOpenApiDocument())));
}
