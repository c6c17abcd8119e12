// Rate limits with rate-limiter-flexible.
//
// On PostgreSQL the counters are shared by every replica (table rate_limits, RateLimiterPostgres's layout
// and atomic upsert), without a database round trip per request: each replica keeps a local copy of each
// active client's allowance and decides locally, taking points into a pending count that it adds to the
// shared counter every RATE_LIMIT_SYNC_INTERVAL_MS (reading back what the other replicas took). A
// replica never takes more than a tenth of a limit locally between two syncs (a larger request, or one
// that would pass that share, is decided against the database at once), so with N replicas a burst can
// overshoot a limit by at most N tenths of it within one interval; steady traffic is held to the limit.
// While the database fails, each replica counts in its own memory. The embedded database (one process)
// and RATE_LIMIT_STORE=memory count in memory, per process.
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  /** Points per period; 0 turns the limit off. */
  points: number;
  periodSeconds: number;
}

export type LimitName = 'scoring' | 'training' | 'auth_failures';

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number; limit: number; periodSeconds: number };

/** Where the counters live: this process's memory, or a PostgreSQL database shared by the replicas. */
export type RateLimitStore = { kind: 'memory' } | { kind: 'postgresql'; pool: pg.Pool; syncIntervalMs: number };

const ALLOWED: LimitDecision = { allowed: true };

/** Counts in this process's memory. */
class MemoryCounter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly settings: RateLimitSettings) {
    this.limiter = new RateLimiterMemory({ points: settings.points, duration: settings.periodSeconds });
  }

  async consume(key: string, points: number): Promise<LimitDecision> {
    try {
      await this.limiter.consume(key, points);
      return ALLOWED;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await this.limiter.reward(key, points);
      return refusal(this.settings, rejection.msBeforeNext);
    }
  }

  async refund(key: string, points: number): Promise<void> {
    await this.limiter.reward(key, points);
  }

  async exhausted(key: string): Promise<LimitDecision> {
    const state = await this.limiter.get(key);
    if (state && state.remainingPoints <= 0 && state.msBeforeNext > 0) return refusal(this.settings, state.msBeforeNext);
    return ALLOWED;
  }

  close(): void {}
}

/** A client's allowance as this replica knows it. */
interface Allowance {
  /** Points used in the period by every replica, as of the last sync. */
  used: number;
  /** End of the period (epoch ms), as of the last sync. */
  resetAt: number;
  /** Points taken here since the last sync (negative when more was given back). */
  pending: number;
  /** Used since the last sync: synced at the next one, forgotten when idle. */
  touched: boolean;
}

/** Counts in PostgreSQL, shared by the replicas, with a local allowance synced periodically (see above). */
class SharedCounter {
  private readonly remote: RateLimiterPostgres;
  private readonly fallback: MemoryCounter;
  private readonly allowances = new Map<string, Allowance>();
  private readonly loading = new Map<string, Promise<Allowance | null>>();
  private readonly localShare: number;
  private readonly timer: NodeJS.Timeout;
  private syncing = false;

  constructor(
    name: LimitName,
    private readonly settings: RateLimitSettings,
    pool: pg.Pool,
    syncIntervalMs: number,
  ) {
    this.remote = new RateLimiterPostgres({
      keyPrefix: name,
      points: settings.points,
      duration: settings.periodSeconds,
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits', // created by a migration
      tableCreated: true,
    });
    this.fallback = new MemoryCounter(settings);
    this.localShare = Math.max(1, Math.floor(settings.points / 10));
    this.timer = setInterval(() => void this.sync(), syncIntervalMs);
    this.timer.unref();
  }

  async consume(key: string, points: number): Promise<LimitDecision> {
    const allowance = await this.allowance(key);
    if (!allowance) return this.fallback.consume(key, points);
    allowance.touched = true;
    if (allowance.used + allowance.pending + points > this.settings.points) return refusal(this.settings, allowance.resetAt - Date.now());
    if (allowance.pending + points <= this.localShare) {
      allowance.pending += points;
      return ALLOWED;
    }
    // Past this replica's share: decide against the shared counter now, adding what is pending.
    const adding = allowance.pending + points;
    allowance.pending -= adding - points;
    try {
      const total = await this.remote.penalty(key, adding);
      this.record(allowance, total);
      if (total.consumedPoints <= this.settings.points) return ALLOWED;
      await this.remote.reward(key, points);
      allowance.used -= points;
      return refusal(this.settings, total.msBeforeNext);
    } catch {
      allowance.pending += adding - points;
      return this.fallback.consume(key, points);
    }
  }

  async refund(key: string, points: number): Promise<void> {
    const allowance = this.allowances.get(key);
    if (allowance) {
      allowance.pending -= points;
      allowance.touched = true;
    } else await this.remote.reward(key, points).catch(() => this.fallback.refund(key, points));
  }

  async exhausted(key: string): Promise<LimitDecision> {
    const allowance = await this.allowance(key);
    if (!allowance) return this.fallback.exhausted(key);
    allowance.touched = true;
    if (allowance.used + allowance.pending >= this.settings.points) return refusal(this.settings, allowance.resetAt - Date.now());
    return ALLOWED;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** The current allowance of `key`, read from the database when this replica has none; null while it fails. */
  private allowance(key: string): Promise<Allowance | null> | Allowance {
    const known = this.allowances.get(key);
    if (known && Date.now() < known.resetAt) return known;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(key, known?.pending ?? 0).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  private async load(key: string, pending: number): Promise<Allowance | null> {
    try {
      const total = await this.remote.penalty(key, Math.max(0, pending));
      const allowance: Allowance = { used: 0, resetAt: 0, pending: 0, touched: true };
      this.record(allowance, total);
      this.allowances.set(key, allowance);
      return allowance;
    } catch {
      return null;
    }
  }

  private record(allowance: Allowance, total: RateLimiterRes): void {
    allowance.used = total.consumedPoints;
    allowance.resetAt = Date.now() + Math.max(0, total.msBeforeNext);
  }

  /** Adds each active allowance's pending points to the shared counter and reads back the total. */
  private async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const active: Promise<void>[] = [];
      for (const [key, allowance] of this.allowances) {
        if (!allowance.touched && allowance.pending === 0) {
          this.allowances.delete(key); // idle: read again at its next use
          continue;
        }
        allowance.touched = false;
        const adding = allowance.pending;
        allowance.pending -= adding;
        const write = adding >= 0 ? this.remote.penalty(key, adding) : this.remote.reward(key, -adding);
        active.push(
          write.then(
            (total) => this.record(allowance, total),
            () => {
              allowance.pending += adding; // the database failed: add it at a later sync
            },
          ),
        );
      }
      await Promise.all(active);
    } finally {
      this.syncing = false;
    }
  }
}

function refusal(settings: RateLimitSettings, msBeforeNext: number): LimitDecision {
  return { allowed: false, retryAfterMs: Math.max(1, msBeforeNext), limit: settings.points, periodSeconds: settings.periodSeconds };
}

export class RateLimit {
  private readonly counter: MemoryCounter | SharedCounter | null;

  constructor(
    readonly name: LimitName,
    readonly settings: RateLimitSettings,
    store: RateLimitStore = { kind: 'memory' },
  ) {
    this.counter =
      settings.points <= 0
        ? null
        : store.kind === 'memory'
          ? new MemoryCounter(settings)
          : new SharedCounter(name, settings, store.pool, store.syncIntervalMs);
  }

  get enabled(): boolean {
    return this.counter !== null;
  }

  /** Takes `points` from `key`'s allowance; a refusal takes nothing, so smaller requests may still pass. */
  async consume(key: string, points: number): Promise<LimitDecision> {
    if (!this.counter || points <= 0) return ALLOWED;
    return this.counter.consume(key, points);
  }

  /** Gives back `points` taken from `key`'s allowance for work that was not done. */
  async refund(key: string, points: number): Promise<void> {
    if (this.counter && points > 0) await this.counter.refund(key, points);
  }

  /** Whether `key` has no allowance left, without taking any. */
  async exhausted(key: string): Promise<LimitDecision> {
    if (!this.counter) return ALLOWED;
    return this.counter.exhausted(key);
  }

  /** Stops the periodic sync of a shared store. */
  close(): void {
    this.counter?.close();
  }
}

export interface RateLimits {
  scoring: RateLimit;
  training: RateLimit;
  authFailures: RateLimit;
}

export function createRateLimits(
  settings: {
    scoring: RateLimitSettings;
    training: RateLimitSettings;
    authFailures: RateLimitSettings;
  },
  store: RateLimitStore = { kind: 'memory' },
): RateLimits {
  return {
    scoring: new RateLimit('scoring', settings.scoring, store),
    training: new RateLimit('training', settings.training, store),
    authFailures: new RateLimit('auth_failures', settings.authFailures, store),
  };
}
