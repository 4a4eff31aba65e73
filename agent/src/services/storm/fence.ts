import { storm } from '@hactl/shared';
import type { StormAgentInputs } from './inputs.js';
import { stormConnectString } from './zk.js';
import { tcpOpen } from './probe.js';
import { openGuardedClient } from '../zk-session.js';

/** Polls until nothing accepts connections on address:port; false if it still does after `timeoutMs`. */
export async function waitPortClosed(address: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await tcpOpen(address, port, 500))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The few ZooKeeper calls the fence needs; `version` is the znode's data version for compare-and-set. */
export interface FenceStore {
  read(): Promise<{ record: storm.FenceRecord | undefined; version: number } | undefined>;
  /** Creates the znode; false when it exists already (another agent was first). */
  create(record: storm.FenceRecord): Promise<boolean>;
  /** Sets the data if the version still matches; false when it changed in between. */
  replace(record: storm.FenceRecord, version: number): Promise<boolean>;
  /** False once its session was disconnected or expired; absent for a store that holds none. */
  readonly alive?: boolean;
  close(): void;
}

/**
 * Opens a FenceStore on the cluster's ZooKeeper: `connect` without a chroot, the fence at
 * `<root>/hactl-fence`. Not chrooted because the Storm root does not exist before nimbus first
 * starts, and the fence is written before that start (the store creates the root, as Storm would).
 */
export type OpenFenceStore = (connect: string, root: string, timeoutMs: number) => Promise<FenceStore>;

/**
 * The answer of a fence check: `ok` (start / keep running), or why not; `certain` is false when
 * ZooKeeper could not be read (a start is refused then, a running nimbus is left alone: a ZooKeeper
 * outage must not stop the one nimbus that serves).
 */
export type FenceAnswer = { ok: true; reason: string } | { ok: false; reason: string; certain: boolean };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/**
 * Checks (and before a start, claims) this nimbus's fence in ZooKeeper (architecture §5 Fence):
 * reads `<storm root>/hactl-fence`, decides with `decideFence`, and for `claim` writes this
 * nimbus's epoch by compare-and-set, deciding again if another writer got there first. A nimbus
 * without a fence (native mode, supervisors, the UI) is always ok. Never throws.
 */
export async function checkNimbusFence(
  inputs: StormAgentInputs,
  opts: {
    claim: boolean;
    timeoutMs: number;
    open?: OpenFenceStore;
    /** How long to wait for the replaced nimbus's Thrift port to close after a claim, ms (default 30 s). */
    previousStopMs?: number;
    waitClosed?: (address: string, port: number, timeoutMs: number) => Promise<boolean>;
  },
): Promise<FenceAnswer> {
  const mine = inputs.fence;
  if (inputs.role !== 'nimbus' || !mine) return { ok: true, reason: 'no fence' };
  let fs: FenceStore | undefined;
  try {
    const zk = inputs.zookeeper;
    fs = await (opts.open ?? openZkFenceStore)(
      stormConnectString({ ...zk, root: '' }),
      zk.root,
      opts.timeoutMs,
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      const read = await fs.read();
      const d = storm.decideFence(mine, inputs.address, read?.record);
      if (d.action === 'start') return { ok: true, reason: d.reason };
      if (d.action === 'refuse') return { ok: false, reason: d.reason, certain: true };
      // A running nimbus is checked, never (re)claimed: claiming is for the start.
      if (!opts.claim) return { ok: true, reason: d.reason };
      const record = { epoch: mine.epoch, active: mine.active };
      const written = read ? await fs.replace(record, read.version) : await fs.create(record);
      if (!written) continue;
      // The nimbus this one replaces stops when its agent sees the new fence (or its new desired
      // state): until its Thrift port closes, this one does not start, so two never serve at once.
      const previous = read?.record?.active;
      if (previous === undefined || previous === inputs.address) return { ok: true, reason: d.reason };
      const closed = await (opts.waitClosed ?? waitPortClosed)(
        previous,
        inputs.nimbusPort,
        opts.previousStopMs ?? 30_000,
      );
      return closed
        ? { ok: true, reason: `${d.reason}; nimbus on ${previous} no longer answers` }
        : {
            ok: false,
            reason: `fence recorded, but the replaced nimbus on ${previous} still answers on ${inputs.nimbusPort}`,
            certain: false,
          };
    }
    return { ok: false, reason: 'the fence in ZooKeeper kept changing under this agent', certain: false };
  } catch (err) {
    return { ok: false, reason: `cannot check the fence in ZooKeeper: ${message(err)}`, certain: false };
  } finally {
    fs?.close();
  }
}

/**
 * The fence on node-zookeeper-client (openGuardedClient: loaded on first use, only hosts that run
 * a manual-failover nimbus need it; a reply the library misreads fails the check, not the agent).
 */
export const openZkFenceStore: OpenFenceStore = async (connect, root, timeoutMs) => {
  const g = await openGuardedClient(connect, timeoutMs);
  const { client, zookeeper, call } = g;
  const code = (err: unknown) => (err instanceof zookeeper.Exception ? err.getCode() : undefined);
  const path = `${root}${storm.FENCE_ZNODE}`;
  return {
    read: () =>
      call<{ data: Buffer | undefined; version: number } | undefined>((done) =>
        client.getData(path, (err, data, stat) =>
          err
            ? code(err) === zookeeper.Exception.NO_NODE
              ? done(undefined, undefined)
              : done(err)
            : done(undefined, { data, version: stat.version }),
        ),
      ).then((got) => {
        if (!got) return undefined;
        try {
          const record = storm.fenceRecordSchema.parse(
            JSON.parse((got.data ?? Buffer.alloc(0)).toString('utf8')),
          );
          return { record, version: got.version };
        } catch (e) {
          // A fence hactl cannot read is not a fence this agent may overwrite.
          throw new Error(`${path} holds no valid fence: ${message(e)}`);
        }
      }),
    create: async (record) => {
      // The Storm root first (nimbus has not created it before its first start); no-op when present.
      await call<void>((done) => client.mkdirp(root, (err) => done(err)));
      return call<boolean>((done) =>
        client.create(path, Buffer.from(JSON.stringify(record)), zookeeper.CreateMode.PERSISTENT, (err) =>
          err
            ? code(err) === zookeeper.Exception.NODE_EXISTS
              ? done(undefined, false)
              : done(err)
            : done(undefined, true),
        ),
      );
    },
    replace: (record, version) =>
      call<boolean>((done) =>
        client.setData(path, Buffer.from(JSON.stringify(record)), version, (err) =>
          err
            ? code(err) === zookeeper.Exception.BAD_VERSION
              ? done(undefined, false)
              : done(err)
            : done(undefined, true),
        ),
      ),
    get alive() {
      return g.alive;
    },
    close: () => client.close(),
  };
};

/**
 * The running nimbus's check (InstanceChecks.checkRunning): a reason to stop it when ZooKeeper
 * holds a newer epoch (certain), or when the fence could not be confirmed for the fence's
 * `selfFenceAfterMs` (the detection delay): a host cut off from everything cannot know whether it
 * was failed over, and must not serve on after the moment a failover could have happened (the
 * ZKFC-style self-fencing). A ZooKeeper outage thus stops the nimbus too; it starts again when the
 * fence can be read (Storm cannot lead without ZooKeeper anyway). One per nimbus instance, with its
 * kept session (createNimbusChecks); keyed by instance.
 */
export class SelfFence {
  private readonly unconfirmedSince = new Map<string, { since: number; checks: number }>();

  constructor(
    private readonly now: () => number,
    private readonly open?: OpenFenceStore,
  ) {}

  async check(inputs: StormAgentInputs, timeoutMs: number): Promise<string | undefined> {
    const key = `${inputs.cluster}/${inputs.host}`;
    // The silence counts from when the check began: an unreachable ZooKeeper answers only at the timeout.
    const began = this.now();
    const a = await checkNimbusFence(inputs, {
      claim: false,
      timeoutMs,
      ...(this.open ? { open: this.open } : {}),
    });
    if (a.ok || a.certain) {
      this.unconfirmedSince.delete(key);
      return a.ok ? undefined : a.reason;
    }
    const limit = inputs.fence?.selfFenceAfterMs;
    const seen = this.unconfirmedSince.get(key) ?? { since: began, checks: 0 };
    seen.checks++;
    this.unconfirmedSince.set(key, seen);
    // Two failed checks at least: one slow answer from a loaded ZooKeeper is not a partition.
    if (limit === undefined || seen.checks < 2 || this.now() - seen.since < limit) return undefined;
    this.unconfirmedSince.delete(key);
    return `self-fenced: the fence could not be confirmed for ${Math.round((this.now() - seen.since) / 1000)} s (${a.reason})`;
  }
}
