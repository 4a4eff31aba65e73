import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { failoverRequestSchema, rollbackRequestSchema, rolloutRequestSchema } from './schemas.js';
import { parseRollbackRequest, parseRolloutRequest } from '../rollout/options.js';
import { parseFailoverRequest } from '../failover/engine.js';

/**
 * The request bodies checked by hand-written parsers are documented by zod schemas (schemas.ts):
 * the document must accept exactly what the server accepts. Each body is given to both, and the
 * two must agree on whether it is valid. Not listed: a rollback's `onGateTimeout: rollback`, which
 * the parser passes and Changes.rollback refuses (the schema's enum stands for both).
 */
function agree(schema: z.ZodType, parse: (body: unknown) => unknown, body: unknown): [boolean, boolean] {
  let parsed = true;
  try {
    parse(body);
  } catch {
    parsed = false;
  }
  return [schema.safeParse(body).success, parsed];
}

describe('OpenAPI request schemas accept what the parsers accept', () => {
  it.each<[string, unknown]>([
    ['restart', { action: 'restart' }],
    [
      'every option',
      { action: 'apply', batchSize: 1, pauseBetweenSec: 0, gateTimeoutSec: 5, onGateTimeout: 'rollback' },
    ],
    ['an unknown action', { action: 'bounce' }],
    ['batchSize 2', { action: 'restart', batchSize: 2 }],
    ['gateTimeoutSec under its minimum', { action: 'restart', gateTimeoutSec: 4 }],
    ['pauseBetweenSec over its maximum', { action: 'restart', pauseBetweenSec: 3601 }],
    ['a fractional timing', { action: 'restart', pauseBetweenSec: 1.5 }],
    ['an unknown field', { action: 'restart', gateTimeout: 30 }],
    ['a list', [{ action: 'restart' }]],
  ])('rollout request: %s', (_scenario, body) => {
    const [documented, served] = agree(rolloutRequestSchema, parseRolloutRequest, body);
    expect(documented).toBe(served);
  });

  it.each<[string, unknown]>([
    ['to alone', { to: 1 }],
    [
      'every field',
      { to: 3, message: 'back', pauseBetweenSec: 10, gateTimeoutSec: 60, onGateTimeout: 'abort' },
    ],
    ['to 0', { to: 0 }],
    ['to fractional', { to: 1.5 }],
    ['to beyond 2^53', { to: 2 ** 53 }],
    ['to as text', { to: '1' }],
    ['no to', { message: 'x' }],
    ['a message that is not text', { to: 1, message: 7 }],
    ['an unknown field', { to: 1, gateTimeout: 30 }],
    ['gateTimeoutSec over its maximum', { to: 1, gateTimeoutSec: 86_401 }],
    ['a list', [{ to: 1 }]],
  ])('rollback request: %s', (_scenario, body) => {
    const [documented, served] = agree(rollbackRequestSchema, parseRollbackRequest, body);
    expect(documented).toBe(served);
  });

  it.each<[string, unknown]>([
    ['empty', {}],
    ['a standby and a reason', { to: 'storm2', reason: 'maintenance' }],
    ['a host name with a space', { to: 'storm 2' }],
    ['a reason over 500 characters', { reason: 'x'.repeat(501) }],
    ['an unknown field', { host: 'storm2' }],
    ['a list', ['storm2']],
  ])('failover request: %s', (_scenario, body) => {
    const [documented, served] = agree(failoverRequestSchema, parseFailoverRequest, body);
    expect(documented).toBe(served);
  });
});
