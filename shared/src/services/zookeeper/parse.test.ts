import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSrvr, parseMntr, checkZookeeperProbe } from './parse.js';

const data = (f: string) =>
  fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', f), 'utf8');

describe('zookeeper parsers over recorded 3.8.0 replies', () => {
  it('srvr on the leader', () => {
    expect(parseSrvr(data('srvr-leader-3.8.0.txt'))).toMatchObject({
      serving: true,
      mode: 'leader',
      version: '3.8.0-${mvngit.commit.id}',
      zxid: '0x100000000',
      nodeCount: 5,
    });
  });
  it('srvr on a follower', () => {
    expect(parseSrvr(data('srvr-follower-3.8.0.txt'))).toMatchObject({ serving: true, mode: 'follower' });
  });
  it('srvr without quorum is not serving', () => {
    expect(parseSrvr(data('srvr-not-serving-3.8.0.txt'))).toEqual({ serving: false });
  });
  it('srvr garbage throws', () => {
    expect(() => parseSrvr('hello\n')).toThrow(/no valid Mode/);
    expect(() => parseSrvr('srvr is not executed because it is not in the whitelist.\n')).toThrow(
      /whitelisted/,
    );
  });
  it('mntr on the leader has zk_learners and no zk_followers (3.6+)', () => {
    const m = parseMntr(data('mntr-leader-3.8.0.txt'));
    expect(m.get('zk_server_state')).toBe('leader');
    expect(m.get('zk_synced_followers')).toBe('2');
    expect(m.get('zk_learners')).toBe('2');
    expect(m.has('zk_followers')).toBe(false);
  });
  it('probe result for leader, follower and no-quorum member', () => {
    expect(checkZookeeperProbe(data('srvr-leader-3.8.0.txt'), data('mntr-leader-3.8.0.txt'))).toMatchObject({
      serving: true,
      mode: 'leader',
      syncedFollowers: 2,
      learners: 2,
      quorumSize: 3,
    });
    const f = checkZookeeperProbe(data('srvr-follower-3.8.0.txt'), data('mntr-follower-3.8.0.txt'));
    expect(f).toMatchObject({ serving: true, mode: 'follower' });
    expect(f.syncedFollowers).toBeUndefined();
    expect(
      checkZookeeperProbe(data('srvr-not-serving-3.8.0.txt'), data('mntr-not-serving-3.8.0.txt')),
    ).toMatchObject({ serving: false, mode: 'unknown' });
  });
});
