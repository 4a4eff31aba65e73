import { describe, expect, it } from 'vitest';
import { renderError } from './output.js';

describe('renderError', () => {
  it('lists each detail under the message, except one the message already says as "path: message"', () => {
    expect(
      renderError('stop of zk/zk-1 refused: cluster-healthy: zk-3 is down; to stop it anyway: …', [
        { path: 'cluster-healthy', message: 'zk-3 is down' },
        { path: 'sole-member', message: 'the only one' },
      ]),
    ).toBe(
      'error: stop of zk/zk-1 refused: cluster-healthy: zk-3 is down; to stop it anyway: …\n' +
        '  sole-member: the only one\n',
    );
    expect(renderError('invalid spec', [{ path: 'members[0].id', message: 'must be 1-255' }])).toBe(
      'error: invalid spec\n  members[0].id: must be 1-255\n',
    );
    expect(renderError('all said: a: b', [{ path: 'a', message: 'b' }])).toBe('error: all said: a: b\n');
    // A detail without a path is always listed: "…: b" in the message is not "it".
    expect(renderError('all said: b', [{ path: '', message: 'b' }])).toBe(
      'error: all said: b\n  (root): b\n',
    );
  });
});
