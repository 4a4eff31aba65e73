/**
 * Trust for in-process tests (app.test.ts, the CLI's real-cp.ts): a TrustService on the test's
 * store with a fixed test CA (testdata/, made by scripts/make-test-ca.mjs; never used outside
 * tests) loaded synchronously, and a first admin token.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/store.js';
import { TrustService } from './service.js';
import { certSha256 } from './x509.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** testdata/ beside the source, from src/trust or dist/trust. */
const TESTDATA = path.resolve(here, '../../src/trust/testdata');

/** A TrustService with the test CA and a fresh `admin` token (scope admin). */
export function testTrust(store: Store, now: () => number): { trust: TrustService; adminToken: string } {
  const ca = {
    certPem: fs.readFileSync(path.join(TESTDATA, 'test-ca.pem'), 'utf8'),
    keyPem: fs.readFileSync(path.join(TESTDATA, 'test-ca.key'), 'utf8'),
  };
  const trust = new TrustService(
    store,
    { ca, caSha256: certSha256(ca.certPem), server: ca, serverNames: [] },
    now,
  );
  return { trust, adminToken: trust.createApiToken('admin', ['admin']) };
}

/** `app` whose requests carry `authorization: Bearer <token>` unless they set one. */
export function withBearer<
  A extends { request: (input: string, init?: RequestInit) => Response | Promise<Response> },
>(app: A, token: string): { request: (input: string, init?: RequestInit) => Promise<Response> } {
  return {
    request: async (input, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return app.request(input, { ...init, headers });
    },
  };
}
