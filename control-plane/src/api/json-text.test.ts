import { describe, expect, it } from 'vitest';
import { jsonBody } from './json-text.js';

describe('jsonBody: a view served again as the same UTF-8 bytes', () => {
  it('is the JSON of the view, characters beyond Latin-1 included, encoded as UTF-8', () => {
    const view = { name: 'zk', status: { reason: 'leader 1 → 2/2 followers synced …', members: [1, 2] } };
    const body = jsonBody(view);
    expect(Buffer.from(body).toString('utf8')).toBe(JSON.stringify(view));
    expect(body.byteLength).toBe(Buffer.byteLength(JSON.stringify(view), 'utf8'));
  });

  it('is made once per view object; an equal but new view gets its own', () => {
    const view = { name: 'zk' };
    expect(jsonBody(view)).toBe(jsonBody(view));
    expect(jsonBody({ name: 'zk' })).not.toBe(jsonBody(view));
  });
});
