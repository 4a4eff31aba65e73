import { randomUUID } from 'node:crypto';
import { CreateMode, ZkEvent, isNoNode, type Zk } from './zk.js';
import { LEADER_LOCK_PATH, latchNodePrefix, planLatch, sortLatchChildren } from './latch-plan.js';

export interface LatchListener {
  isLeader(): void;
  notLeader(): void;
}

/**
 * Effectful half of Curator's LeaderLatch: one ephemeral sequential node, re-checked whenever the
 * predecessor disappears (Curator watches the previous node with getData).
 */
export class LeaderLatch {
  private ourPath: string | undefined;
  private leader = false;
  private closed = false;

  constructor(
    private readonly zk: Zk,
    private readonly id: string,
    private readonly listener: LatchListener,
    /** Reports recoverable problems (logged; the latch retries or resets itself). */
    private readonly onError: (err: Error) => void,
  ) {}

  get hasLeadership(): boolean {
    return this.leader;
  }

  /** Path of our latch node, e.g. `/leader-lock/_c_<uuid>-latch-0000000003`. */
  get path(): string | undefined {
    return this.ourPath;
  }

  async start(): Promise<void> {
    // creatingParentContainersIfNeeded(): Curator makes /leader-lock a container node; the
    // emulator's client cannot create containers, so it is a persistent node (see README).
    await this.zk.mkdirs(LEADER_LOCK_PATH);
    await this.reset();
  }

  /** LeaderLatch.reset(): drop our node (if any) and queue again with a fresh one. */
  private async reset(): Promise<void> {
    this.setLeadership(false);
    if (this.ourPath) await this.zk.remove(this.ourPath);
    this.ourPath = await this.zk.create(
      `${LEADER_LOCK_PATH}/${latchNodePrefix(randomUUID())}`,
      Buffer.from(this.id, 'utf8'),
      CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    if (this.closed) {
      await this.zk.remove(this.ourPath);
      return;
    }
    await this.check();
  }

  private setLeadership(value: boolean): void {
    const old = this.leader;
    this.leader = value;
    if (old && !value) this.listener.notLeader();
    else if (!old && value) this.listener.isLeader();
  }

  private async check(): Promise<void> {
    if (this.closed || !this.ourPath) return;
    const ours = this.ourPath.slice(LEADER_LOCK_PATH.length + 1);
    const children = await this.zk.getChildren(LEADER_LOCK_PATH);
    const plan = planLatch(children, ours);
    if (plan.kind === 'leader') {
      this.setLeadership(true);
    } else if (plan.kind === 'missing') {
      // LeaderLatch.checkLeadership: "Can't find our node. Resetting. Index: -1"
      this.onError(new Error(`Can't find our node. Resetting. Index: -1 (${plan.reason})`));
      this.ourPath = undefined;
      await this.reset();
    } else {
      this.setLeadership(false);
      const data = await this.zk.getData(`${LEADER_LOCK_PATH}/${plan.watch}`, (event) => {
        if (event.getType() === ZkEvent.NODE_DELETED) this.recheck();
      });
      // The predecessor vanished between getChildren and getData: look again.
      if (data === undefined) await this.check();
    }
  }

  /** Errors while re-checking (connection loss, expiry) are retried like Curator's background callbacks. */
  private recheck(): void {
    this.check().catch((err: Error) => {
      if (this.closed) return;
      this.onError(err);
      setTimeout(() => this.recheck(), 1000).unref();
    });
  }

  /** The session died with our node in it (Curator ConnectionState LOST): leadership is gone. */
  lost(): void {
    this.closed = true;
    this.ourPath = undefined;
    this.setLeadership(false);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ourPath) await this.zk.remove(this.ourPath);
    this.ourPath = undefined;
    this.setLeadership(false);
  }
}

/** LeaderLatch.getLeader(): the participant id stored in the lowest-sequence node ("" if none). */
export async function readLatchLeaderId(zk: Zk): Promise<string> {
  let children: string[];
  try {
    children = await zk.getChildren(LEADER_LOCK_PATH);
  } catch (err) {
    if (isNoNode(err)) return ''; // no nimbus ever queued
    throw err;
  }
  for (const child of sortLatchChildren(children)) {
    const data = await zk.getData(`${LEADER_LOCK_PATH}/${child}`);
    if (data !== undefined) return data.toString('utf8');
  }
  return '';
}
