import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Caller } from '../trust/service.js';

/**
 * The operator's console bundle (ui/dist, built by `pnpm build`), found relative to this control
 * plane's install like the agent bundle (config.ts INSTALL_ROOT): control-plane/dist/api → ../../../ui/dist.
 */
export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ui/dist');

/**
 * The page may load only its own script and style and talk only to this origin: the token it holds
 * in session storage is worth an XSS, so no inline script, no third-party origin, no framing.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /ui/…`: the console's static files, public like /install.sh (policy.ts): the page holds no
 * data; it asks for an API token and sends it as a bearer header on every API call it makes.
 */
export function addUiRoutes(
  app: Hono<{ Variables: { caller: Caller } }>,
  dir: string = DEFAULT_UI_DIR,
): void {
  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.use('/ui/*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-cache');
  });
  app.get(
    '/ui/*',
    serveStatic({
      root: dir,
      rewriteRequestPath: (p) => p.replace(/^\/ui/, ''),
      onNotFound: () => undefined,
    }),
  );
}
