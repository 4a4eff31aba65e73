import type { Logger } from '@hactl/shared';
import type { LeaderRecord, LeadOutcome as ElectionAnswer } from '../store/pg-leadership.js';

/** The leader lease as the store reads it, and one round's outcome (store/pg-leadership.ts). */
export type { LeaderRecord, LeadOutcome as ElectionAnswer } from '../store/pg-leadership.js';

/**
 * What a shared store offers for electing one leader among control-plane replicas (PgStore): a
 * lease row with a fencing epoch, times from the database's clock. `setFence` makes every later
 * write check, in its own transaction, that the lease is still this holder's at that epoch.
 */
export interface Election {
  /** The live lease, read without taking any lock; undefined when none holds. */
  currentLeader(): LeaderRecord | undefined;
  /**
   * Takes an expired lease or renews this holder's. May wait up to a second for the row's lock.
   * @throws when the store cannot be reached or the lock is not had (the caller treats that as "not renewed").
   */
  tryLead(holder: string, ttlMs: number, endpoints: { grpc: string; http: string }): ElectionAnswer;
  /** Ends this holder's lease at `epoch` now (a clean shutdown hands over without waiting the TTL out). */
  resign(holder: string, epoch: number): void;
  /** Records this replica as alive at its endpoints (GET /v1/replicas, install commands). */
  announceReplica(holder: string, endpoints: { grpc: string; http: string }): void;
  setFence(fence: { holder: string; epoch: number } | undefined): void;
}

/** A replica's role: it leads in a term (`epoch`), or follows the leader it last read (if any). */
export type Role = { type: 'leader'; epoch: number } | { type: 'follower'; leader: LeaderRecord | undefined };

/** What changed with a round: `gained`/`lost` start and end a term; `regained` is both at once. */
export type RoleChange = 'none' | 'gained' | 'lost' | 'regained' | 'leader-changed';

/**
 * The next role after one lease round, a pure decision (the loop below is its shell).
 *
 * - A leader that renewed at the same epoch stays in its term. One that got a higher epoch lost
 *   its lease in between (it was paused past the TTL) and starts a new term: whatever it held in
 *   memory may have been superseded, so it is rebuilt from the store.
 * - A leader whose round failed keeps leading only while its lease certainly has not expired:
 *   `renewedAt` is when the last successful round was *sent*, so the database set the expiry no
 *   earlier than `renewedAt + ttlMs`; it steps down `marginMs` before that. Its writes are fenced
 *   in the store anyway; this keeps it from acting on memory alone (granting nothing, pushing
 *   nothing) once another replica may lead.
 * - A follower follows the record it read; a failed round keeps the last one.
 *
 * @param now and `renewedAt` are the same monotonic clock, in ms.
 */
export function nextRole(
  prev: Role,
  round: { answer: ElectionAnswer } | { error: string },
  renewedAt: number,
  now: number,
  ttlMs: number,
  marginMs: number,
): { role: Role; change: RoleChange; reason: string } {
  if ('error' in round) {
    if (prev.type === 'leader') {
      if (now < renewedAt + ttlMs - marginMs)
        return {
          role: prev,
          change: 'none',
          reason: `renewal failed (${round.error}); the lease still holds`,
        };
      return {
        role: { type: 'follower', leader: undefined },
        change: 'lost',
        reason: `the lease could not be renewed for ${now - renewedAt} ms (${round.error}); another replica may lead`,
      };
    }
    return { role: prev, change: 'none', reason: `the store did not answer (${round.error})` };
  }
  const a = round.answer;
  if (a.leading) {
    if (prev.type === 'leader' && prev.epoch === a.epoch)
      return { role: prev, change: 'none', reason: 'renewed' };
    if (prev.type === 'leader')
      return {
        role: { type: 'leader', epoch: a.epoch },
        change: 'regained',
        reason: `the lease of epoch ${prev.epoch} had expired; leading again at epoch ${a.epoch}`,
      };
    return {
      role: { type: 'leader', epoch: a.epoch },
      change: 'gained',
      reason: `leading at epoch ${a.epoch}`,
    };
  }
  const role: Role = { type: 'follower', leader: a.current };
  if (prev.type === 'leader')
    return {
      role,
      change: 'lost',
      reason: a.current
        ? `${a.current.holder} leads at epoch ${a.current.epoch}`
        : 'the lease passed to another replica',
    };
  const before = prev.leader;
  const same = before?.holder === a.current?.holder && before?.epoch === a.current?.epoch;
  return {
    role,
    change: same ? 'none' : 'leader-changed',
    reason: a.current ? `${a.current.holder} leads at epoch ${a.current.epoch}` : 'no replica leads',
  };
}

export interface LeadershipOptions {
  election: Election;
  /** This replica's unique holder name (one per process start). */
  holder: string;
  endpoints: { grpc: string; http: string };
  /** The lease's length; renewed every third of it. */
  ttlMs: number;
  /** A monotonic clock in ms (performance.now in production). */
  now: () => number;
  logger: Logger;
  /** Called on every change of role, after `role` reflects it. */
  onChange: (change: RoleChange, role: Role, reason: string) => void;
}

/**
 * The lease loop of one control-plane replica on a shared store: every `ttlMs / 3` it renews its
 * lease or tries to take an expired one (Election.tryLead), and tells `onChange` when it gains or
 * loses leadership or when the leader it follows changes. The store does the electing; this keeps
 * no consensus of its own.
 *
 * Timers run before I/O callbacks in each turn of Node's event loop, so a replica thawed after a
 * SIGSTOP runs this round — and learns it lost — before it reads any agent's or client's request
 * that waited during the pause.
 */
export class Leadership {
  role: Role = { type: 'follower', leader: undefined };
  private renewedAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Calls waiting in nextLeader, woken on every change of role. */
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: LeadershipOptions) {}

  /** Runs the first round now (so a lone replica leads at once), then every ttlMs / 3. */
  start(): void {
    this.round();
    this.timer = setInterval(() => this.round(), Math.max(50, Math.floor(this.o.ttlMs / 3)));
  }

  /** Whether this replica may act as leader right now, judged without a round trip. */
  leading(): boolean {
    return this.role.type === 'leader' && this.o.now() < this.renewedAt + this.o.ttlMs - this.marginMs();
  }

  /** The leader this replica follows now (undefined while it leads or knows none). */
  followed(): LeaderRecord | undefined {
    return this.role.type === 'follower' ? this.role.leader : undefined;
  }

  /**
   * Where a request should go now: `self` when this replica leads, else the leader it follows,
   * waiting through an election up to `waitMs` (woken by each lease round that changes the role);
   * undefined when none appears in time. `skip` passes over a leader that has just refused a
   * connection (dead, its lease not yet run out), so the wait lasts until another one leads.
   */
  async nextLeader(
    waitMs: number,
    skip?: (l: LeaderRecord) => boolean,
  ): Promise<LeaderRecord | 'self' | undefined> {
    const deadline = this.o.now() + waitMs;
    for (;;) {
      if (this.role.type === 'leader') return 'self';
      const l = this.role.leader;
      if (l && !skip?.(l)) return l;
      const left = deadline - this.o.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** One lease round; public for tests. */
  round(): void {
    const sentAt = this.o.now();
    let r: { answer: ElectionAnswer } | { error: string };
    try {
      // A follower reads the lease without locking it and tries to take it only once it has
      // expired, so it never waits on the leader's fenced transactions.
      const live = this.role.type === 'follower' ? this.o.election.currentLeader() : undefined;
      r =
        live && live.holder !== this.o.holder
          ? { answer: { leading: false, epoch: 0, current: live } }
          : { answer: this.o.election.tryLead(this.o.holder, this.o.ttlMs, this.o.endpoints) };
    } catch (err) {
      r = { error: err instanceof Error ? err.message : String(err) };
    }
    if ('answer' in r)
      try {
        this.o.election.announceReplica(this.o.holder, this.o.endpoints);
      } catch (err) {
        this.o.logger.warn({ err: String(err) }, 'could not announce this replica');
      }
    const next = nextRole(this.role, r, this.renewedAt, this.o.now(), this.o.ttlMs, this.marginMs());
    if ('answer' in r && r.answer.leading) this.renewedAt = sentAt;
    this.role = next.role;
    if (next.change === 'none') {
      if ('error' in r) this.o.logger.warn({ reason: next.reason }, 'leader lease round failed');
      return;
    }
    this.o.logger.info({ change: next.change, reason: next.reason }, 'control-plane leadership changed');
    this.o.onChange(next.change, next.role, next.reason);
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Stops the loop without resigning or changing the role: what a replica looks like to the others
   * while it is frozen. For tests of fencing; `stop` is the clean way out.
   */
  halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the loop and, when leading, hands the lease over at once. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.role.type === 'leader') {
      try {
        this.o.election.resign(this.o.holder, this.role.epoch);
      } catch (err) {
        this.o.logger.warn({ err: String(err) }, 'could not resign the leader lease; it expires on its own');
      }
      this.role = { type: 'follower', leader: undefined };
    }
  }

  private marginMs(): number {
    return Math.floor(this.o.ttlMs / 5);
  }
}
