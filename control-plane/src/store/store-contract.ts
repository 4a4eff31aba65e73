import { describe, expect, it } from 'vitest';
import { ensureControlPlaneId } from '../core.js';
import { pendingStepRow, type CommandHostRow, type FailoverRow, type HostRow, type Store } from './store.js';

/**
 * The behaviour every Store implementation owes the core, as one suite run against each
 * (sqlite-store.test.ts, pg-store.test.ts). `open` gives an empty store; `reopen`, when given,
 * closes `s` and opens the same data again (a control-plane restart).
 */
export function describeStoreContract(
  name: string,
  open: () => Store | Promise<Store>,
  reopen?: (s: Store) => Store | Promise<Store>,
): void {
  describe(`${name}: store contract`, () => {
    it.runIf(reopen)('keeps hosts, revisions and desired state across reopen', async () => {
      const a = await open();
      a.upsertHost(host);
      a.transaction(() => {
        a.addRevision(rev(1));
        a.setHostDesired([{ host_id: 'zk1', generation: 1, state_json: '{"instances":[]}', updated_at: 1 }]);
      });
      a.addRevision(rev(2));
      a.recordLiveness([{ id: 'zk1', last_seen_at: 5, applied_generation: 1 }]);
      a.setMeta('control_plane_id', 'x');
      const b = await reopen!(a);
      expect(b.listHosts()).toMatchObject([{ name: 'zk1', last_seen_at: 5, applied_generation: 1 }]);
      expect(b.getCluster('zk')).toMatchObject({ current_revision: 2, kind: 'zookeeper' });
      expect(b.listRevisions('zk').map((r) => r.revision)).toEqual([1, 2]);
      expect(b.getHostDesired('zk1')).toMatchObject({ generation: 1 });
      expect(b.getMeta('control_plane_id')).toBe('x');
      b.close();
    });

    it('rolls back a failed transaction whole', async () => {
      const store = await open();
      store.upsertHost(host);
      expect(() =>
        store.transaction(() => {
          store.addRevision(rev(1));
          store.addRevision(rev(1)); // duplicate primary key
        }),
      ).toThrow(/UNIQUE|unique constraint/);
      expect(store.getCluster('zk')).toBeUndefined();
      expect(store.listRevisions('zk')).toEqual([]);
      store.close();
    });

    it('a nested transaction that throws rolls back alone; the outer one commits the rest', async () => {
      const store = await open();
      const result = store.transaction(() => {
        store.setMeta('outer', '1');
        expect(() =>
          store.transaction(() => {
            store.setMeta('inner', '1');
            throw new Error('inner fails');
          }),
        ).toThrow('inner fails');
        store.setMeta('after', '1');
        return 42;
      });
      expect(result).toBe(42);
      expect([store.getMeta('outer'), store.getMeta('inner'), store.getMeta('after')]).toEqual([
        '1',
        undefined,
        '1',
      ]);
      expect(() =>
        store.transaction(() => {
          store.setMeta('outer2', '1');
          store.transaction(() => store.setMeta('inner2', '1'));
          throw new Error('outer fails');
        }),
      ).toThrow('outer fails');
      expect([store.getMeta('outer2'), store.getMeta('inner2')]).toEqual([undefined, undefined]);
      store.close();
    });

    it('refuses desired state for an unknown host (foreign key)', async () => {
      const store = await open();
      expect(() =>
        store.setHostDesired([{ host_id: 'ghost', generation: 1, state_json: '{}', updated_at: 1 }]),
      ).toThrow(/FOREIGN KEY|foreign key/);
      store.close();
    });

    it('stores a batch of desired states at once, byte for byte, and refuses a batch with an unknown host whole', async () => {
      const store = await open();
      store.upsertHost(host);
      store.upsertHost({ ...host, id: 'zk2', name: 'zk2' });
      store.setHostDesired([{ host_id: 'zk1', generation: 1, state_json: '{}', updated_at: 1 }]);
      // Text that a JSON or SQL path could alter: quotes, backslashes, a newline, non-ASCII, a NUL escape.
      const tricky = '{"instances":[{"inputs":{"a":"\\"q\\" \\\\ \\n é \\u0000"}}]}';
      store.setHostDesired([
        { host_id: 'zk1', generation: 2, state_json: tricky, updated_at: 1_800_000_000_123 },
        { host_id: 'zk2', generation: 1, state_json: '{"instances":[]}', updated_at: 5 },
      ]);
      const before = store.listHostDesired().sort((x, y) => (x.host_id < y.host_id ? -1 : 1));
      expect(before).toEqual([
        { host_id: 'zk1', generation: 2, state_json: tricky, updated_at: 1_800_000_000_123 },
        { host_id: 'zk2', generation: 1, state_json: '{"instances":[]}', updated_at: 5 },
      ]);
      expect(() =>
        store.setHostDesired([
          { host_id: 'zk2', generation: 2, state_json: '{}', updated_at: 6 },
          { host_id: 'ghost', generation: 1, state_json: '{}', updated_at: 6 },
        ]),
      ).toThrow(/FOREIGN KEY|foreign key/);
      expect(store.listHostDesired().sort((x, y) => (x.host_id < y.host_id ? -1 : 1))).toEqual(before);
      store.setHostDesired([]);
      store.close();
    });

    it('deleting a host deletes its desired state (cascade); the host upsert keeps last_seen_at when not given', async () => {
      const store = await open();
      store.upsertHost({ ...host, last_seen_at: 7 });
      store.upsertHost({ ...host, address: '127.0.0.99' });
      expect(store.getHostByName('zk1')).toEqual({
        ...host,
        address: '127.0.0.99',
        last_seen_at: 7,
        applied_generation: 0,
      });
      store.setHostDesired([{ host_id: 'zk1', generation: 3, state_json: '{}', updated_at: 2 }]);
      store.setHostDesired([{ host_id: 'zk1', generation: 4, state_json: '{"a":1}', updated_at: 3 }]);
      expect(store.listHostDesired()).toEqual([
        { host_id: 'zk1', generation: 4, state_json: '{"a":1}', updated_at: 3 },
      ]);
      store.deleteHost('zk1');
      expect(store.listHosts()).toEqual([]);
      expect(store.getHostDesired('zk1')).toBeUndefined();
      store.close();
    });

    it('hostsAt lists the hosts registered with an address, in name order; an address moves with its host', async () => {
      const store = await open();
      store.upsertHost({ ...host, id: 'b', name: 'b', address: '127.0.0.5' });
      store.upsertHost({ ...host, id: 'a', name: 'a', address: '127.0.0.5' });
      store.upsertHost({ ...host, id: 'c', name: 'c', address: '127.0.0.6' });
      expect(store.hostsAt('127.0.0.5')).toEqual([
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ]);
      store.upsertHost({ ...host, id: 'b', name: 'b', address: '127.0.0.7' });
      expect(store.hostsAt('127.0.0.5')).toEqual([{ id: 'a', name: 'a' }]);
      expect(store.hostsAt('127.0.0.9')).toEqual([]);
      store.close();
    });

    it('ms times beyond 32 bits come back as the same JS numbers', async () => {
      const store = await open();
      const t = 1_800_000_000_123;
      store.upsertHost({ ...host, created_at: t, last_seen_at: t + 1 });
      store.addRevision({ ...rev(1), created_at: t });
      const h: HostRow | undefined = store.getHostByName('zk1');
      expect([h?.created_at, h?.last_seen_at]).toEqual([t, t + 1]);
      expect(store.getCluster('zk')).toEqual({
        name: 'zk',
        kind: 'zookeeper',
        current_revision: 1,
        created_at: t,
        updated_at: t,
      });
      expect(store.maxRevision('zk')).toBe(1);
      expect(store.maxRevision('none')).toBe(0);
      store.close();
    });

    it('clusters: revisions, delete, facts by cluster', async () => {
      const store = await open();
      store.addRevision(rev(1));
      store.addRevision(rev(2));
      expect(store.getRevision('zk', 1)).toEqual(rev(1));
      expect(store.listClusters().map((c) => [c.name, c.current_revision])).toEqual([['zk', 2]]);
      store.setClusterFact('zk', 'b', '2', 1);
      store.setClusterFact('zk', 'a', '1', 1);
      store.setClusterFact('zk', 'a', '3', 2);
      store.setClusterFact('kafka', 'id', 'k', 1);
      expect([...store.listClusterFacts()]).toEqual([
        ['kafka', { id: 'k' }],
        ['zk', { a: '3', b: '2' }],
      ]);
      store.deleteClusterFacts('zk');
      store.deleteCluster('zk');
      expect([...store.listClusterFacts().keys()]).toEqual(['kafka']);
      expect(store.getCluster('zk')).toBeUndefined();
      store.close();
    });

    it('events: ids increase, listEventsAfter pages oldest first, listeners hear once after the transaction', async () => {
      const store = await open();
      expect(store.lastEventId()).toBe(0);
      let heard = 0;
      const off = store.onEventsAppended(() => heard++);
      store.transaction(() => {
        for (let i = 1; i <= 5; i++)
          store.appendEvent({
            at: i,
            type: 't',
            cluster: i % 2 ? 'zk' : null,
            host: null,
            message: `m${i}`,
            data_json: '{}',
          });
        expect(heard).toBe(0);
      });
      await Promise.resolve();
      expect(heard).toBe(1);
      const all = store.listEventsAfter(0, 100);
      expect(all.map((e) => e.message)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id)).toBe(true);
      expect(all[1]).toEqual({
        id: all[1]!.id,
        at: 2,
        type: 't',
        cluster: null,
        host: null,
        message: 'm2',
        data_json: '{}',
      });
      const page1 = store.listEventsAfter(0, 2);
      const page2 = store.listEventsAfter(page1[1]!.id, 2);
      expect([...page1, ...page2].map((e) => e.message)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(store.lastEventId()).toBe(all[4]!.id);
      expect(store.listEvents({ cluster: 'zk', limit: 2 }).map((e) => e.message)).toEqual(['m5', 'm3']);
      expect(store.listEvents({ limit: 1 }).map((e) => e.message)).toEqual(['m5']);
      off();
      store.appendEvent({ at: 6, type: 't', cluster: null, host: null, message: 'm6', data_json: '{}' });
      await Promise.resolve();
      expect(heard).toBe(1);
      store.close();
    });

    it('tokens: an api token name is unique; join token uses run out; host identities upsert and delete', async () => {
      const store = await open();
      const api = { name: 'ci', hash: 'h1', scopes: 'read,write', created_at: 1 };
      store.insertApiToken(api);
      expect(() => store.insertApiToken({ ...api, hash: 'h2' })).toThrow(/UNIQUE|unique constraint/);
      expect(store.getApiTokenByHash('h1')).toEqual(api);
      expect(store.countApiTokens()).toBe(1);
      const join = {
        id: 'j',
        hash: 'jh',
        hosts: '*',
        uses_left: 2,
        expires_at: 1_800_000_000_000,
        created_at: 1,
        created_by: 'me',
      };
      store.insertJoinToken(join);
      expect([store.useJoinToken('j'), store.useJoinToken('j'), store.useJoinToken('j')]).toEqual([
        true,
        true,
        false,
      ]);
      expect(store.useJoinToken('unknown')).toBe(false);
      expect(store.getJoinTokenByHash('jh')).toEqual({ ...join, uses_left: 0 });
      const id = { host: 'zk1', key_sha256: 'k', serial: '1', not_after: 10, enrolled_at: 1 };
      store.setHostIdentity(id);
      store.setHostIdentity({ ...id, serial: '2', not_after: 20, enrolled_at: 9 });
      expect(store.getHostIdentity('zk1')).toEqual({ ...id, serial: '2', not_after: 20 });
      store.deleteHostIdentity('zk1');
      expect(store.getHostIdentity('zk1')).toBeUndefined();
      store.close();
    });

    it('rollouts with steps and phases round-trip; updates and filters', async () => {
      const store = await open();
      const r = {
        id: 'r1',
        cluster: 'zk',
        action: 'restart',
        revision: 2,
        state: 'running',
        reason: '',
        options_json: '{}',
        created_at: 1,
        updated_at: 1,
      };
      const steps = [
        pendingStepRow({ rollout_id: 'r1', idx: 0, instance_id: 'zk/zk-1', host_id: 'zk1' }),
        pendingStepRow({
          rollout_id: 'r1',
          idx: 1,
          instance_id: 'zk/zk-2',
          host_id: 'zk2',
          op: 'stop',
          phase: 1,
        }),
      ];
      store.insertRollout(r, steps, [
        { rollout_id: 'r1', phase: 0, spec_json: '{"p":0}' },
        { rollout_id: 'r1', phase: 1, spec_json: '{"p":1}' },
      ]);
      store.insertRollout({ ...r, id: 'r2', created_at: 2, state: 'completed' }, []);
      // started_at reads 0 until a step is taken up (migration 13's default).
      expect(store.getRollout('r1')).toEqual({ ...r, started_at: 0 });
      // A step not failed reads back failed_by '' (migration 12's default).
      expect(store.listRolloutSteps('r1')).toEqual([
        { ...steps[0], op: 'restart', phase: 0, failed_by: '' },
        { ...steps[1], failed_by: '' },
      ]);
      expect(store.listRolloutPhases('r1').map((p) => p.spec_json)).toEqual(['{"p":0}', '{"p":1}']);
      expect(store.listRolloutPhases('r2')).toEqual([]);
      expect(store.listRollouts({}).map((x) => x.id)).toEqual(['r2', 'r1']);
      expect(store.listRollouts({ cluster: 'zk', states: ['running'] }).map((x) => x.id)).toEqual(['r1']);
      expect(store.listRollouts({ cluster: 'other' })).toEqual([]);
      // Every cluster's rollouts in some states (a status listing's one read), newest first.
      store.insertRollout({ ...r, id: 'r3', cluster: 'kafka', created_at: 3, state: 'paused' }, []);
      expect(store.listRollouts({ states: ['running', 'paused'] }).map((x) => x.id)).toEqual(['r3', 'r1']);
      expect(store.listRollouts({ states: ['completed'] }).map((x) => x.id)).toEqual(['r2']);
      expect(store.listRollouts({ cluster: 'zk', states: [] })).toEqual([]);
      store.updateRollout('r1', { state: 'failed', reason: 'why', updated_at: 5 });
      store.updateRolloutOptions('r1', '{"force":true}');
      expect(store.getRollout('r1')).toEqual({
        ...r,
        state: 'failed',
        reason: 'why',
        updated_at: 5,
        options_json: '{"force":true}',
        started_at: 0,
      });
      const done = {
        ...steps[0]!,
        op: 'restart' as const,
        phase: 0,
        state: 'done',
        command_id: 'c',
        pid_before: 9,
        requested_at: 3,
        finished_at: 4,
        note: 'ok',
        failed_by: '' as const,
      };
      store.updateRolloutStep(done);
      expect(store.listRolloutSteps('r1')[0]).toEqual(done);
      // The first step taken up sets when the rollout began; a later request does not move it.
      expect(store.getRollout('r1')?.started_at).toBe(3);
      store.updateRolloutStep({ ...steps[1]!, state: 'requested', requested_at: 8 });
      store.updateRolloutStep({ ...done, state: 'requested', requested_at: 9, finished_at: 0 });
      expect(store.getRollout('r1')?.started_at).toBe(3);
      store.updateRolloutStep(done);
      // Who failed a step is stored with it, and cleared when the step is asked again.
      const failed = { ...done, state: 'failed', note: 'not ready', failed_by: 'agent' as const };
      store.updateRolloutStep(failed);
      expect(store.listRolloutSteps('r1')[0]).toEqual(failed);
      // Spread from the failed row (as the engine spreads it), the author is not kept.
      store.updateRolloutStep({ ...failed, state: 'requested' });
      expect(store.listRolloutSteps('r1')[0]?.failed_by).toBe('');
      expect(() => store.insertRollout(r, [])).toThrow(/UNIQUE|unique constraint/);
      store.close();
    });

    it('failovers and commands round-trip', async () => {
      const store = await open();
      const f: FailoverRow = {
        id: 'f1',
        cluster: 'storm',
        trigger: 'auto',
        author: 'cp',
        reason: 'lost',
        from_host: 'n1',
        to_host: 'n2',
        epoch: 3,
        state: 'running',
        step: 'fence',
        rollout_id: '',
        steps_json: '[]',
        created_at: 1,
        updated_at: 1,
      };
      store.insertFailover(f);
      store.insertFailover({ ...f, id: 'f2', cluster: 'other', created_at: 2 });
      const finished = {
        state: 'completed',
        step: 'done',
        rollout_id: 'r',
        steps_json: '[1]',
        updated_at: 2,
      };
      // The epoch a failover introduces is fixed at insert: an update leaves it.
      store.updateFailover({ ...f, ...finished, epoch: 99 });
      expect(store.getFailover('f1')).toEqual({ ...f, ...finished });
      expect(store.listFailovers({}).map((x) => x.id)).toEqual(['f2', 'f1']);
      expect(store.listFailovers({ cluster: 'storm', states: ['running'] })).toEqual([]);
      const c = {
        id: 'c1',
        author: 'me',
        argv_json: '["ls"]',
        shell: 0,
        target_json: '{}',
        parallel: 2,
        timeout_ms: 5_000_000_000,
        state: 'running',
        created_at: 1,
        finished_at: null,
      };
      const h: CommandHostRow = {
        command_id: 'c1',
        idx: 0,
        host_id: 'zk1',
        host: 'zk1',
        state: 'pending',
        exit_code: null,
        signal: '',
        error: '',
        output_bytes: 0,
        started_at: null,
        finished_at: null,
      };
      store.insertCommand(c, [h, { ...h, idx: 1, host_id: 'zk2', host: 'zk2' }]);
      expect(store.getCommand('c1')).toEqual(c);
      expect(store.listCommandsIn('running').map((x) => x.id)).toEqual(['c1']);
      const exited = { ...h, state: 'exited', exit_code: 0, output_bytes: 12, started_at: 2, finished_at: 3 };
      store.updateCommandHost(exited);
      store.updateCommand('c1', { state: 'done', finished_at: 4 });
      expect(store.listCommandHosts('c1')).toEqual([exited, { ...h, idx: 1, host_id: 'zk2', host: 'zk2' }]);
      expect(store.getCommand('c1')).toEqual({ ...c, state: 'done', finished_at: 4 });
      expect(store.listCommandsIn('running')).toEqual([]);
      store.close();
    });

    it.runIf(reopen)(
      'the control plane id is generated at the first start and survives a reopen; a new data dir gets a new one (issue 16 #6)',
      async () => {
        let n = 0;
        const random = () => `generatedControlPlane${++n}`;
        const a = await open();
        expect(ensureControlPlaneId(a, random)).toBe('generatedControlPlane1');
        const b = await reopen!(a);
        expect(ensureControlPlaneId(b, random)).toBe('generatedControlPlane1');
        b.close();
        const fresh = await open();
        expect(ensureControlPlaneId(fresh, random)).toBe('generatedControlPlane2');
        fresh.close();
      },
    );
  });
}

/**
 * `open` and `reopen` for describeStoreContract from a store's location (a file, a database URL):
 * `fresh` makes a new one, `openAt` opens a store there.
 */
export function reopenable<K>(
  fresh: () => K,
  openAt: (k: K) => Store,
): { open: () => Store; reopen: (s: Store) => Store } {
  const where = new WeakMap<Store, K>();
  const at = (k: K) => {
    const store = openAt(k);
    where.set(store, k);
    return store;
  };
  return {
    open: () => at(fresh()),
    reopen: (s) => {
      s.close();
      return at(where.get(s)!);
    },
  };
}

export const host = {
  id: 'zk1',
  name: 'zk1',
  address: '127.0.0.11',
  data_root: '/d',
  labels_json: '{}',
  facts_json: '{}',
  agent_version: '0.1.0',
  created_at: 1,
};

export const rev = (revision: number) => ({
  cluster: 'zk',
  revision,
  kind: 'zookeeper',
  spec_json: `{"r":${revision}}`,
  author: 'test',
  message: '',
  created_at: revision,
});
