// Rate limits with rate-limiter-flexible, kept in memory: each replica counts on its own, so with N
// replicas behind a load balancer a key may get up to N times the configured rate.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  /** Points per period; 0 turns the limit off. */
  points: number;
  periodSeconds: number;
}

export type LimitName = 'scoring' | 'training' | 'auth_failures';

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number; limit: number; periodSeconds: number };

export class RateLimit {
  private readonly limiter: RateLimiterMemory | null;

  constructor(
    readonly name: LimitName,
    readonly settings: RateLimitSettings,
  ) {
    this.limiter =
      settings.points > 0 ? new RateLimiterMemory({ keyPrefix: name, points: settings.points, duration: settings.periodSeconds }) : null;
  }

  get enabled(): boolean {
    return this.limiter !== null;
  }

  /** Takes `points` from `key`'s allowance; a refusal takes nothing, so smaller requests may still pass. */
  async consume(key: string, points: number): Promise<LimitDecision> {
    if (!this.limiter || points <= 0) return { allowed: true };
    try {
      await this.limiter.consume(key, points);
      return { allowed: true };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await this.limiter.reward(key, points);
      return this.refused(rejection);
    }
  }

  /** Gives back `points` taken from `key`'s allowance for work that was not done. */
  async refund(key: string, points: number): Promise<void> {
    if (this.limiter && points > 0) await this.limiter.reward(key, points);
  }

  /** Whether `key` has no allowance left, without taking any. */
  async exhausted(key: string): Promise<LimitDecision> {
    if (!this.limiter) return { allowed: true };
    const state = await this.limiter.get(key);
    if (state && state.remainingPoints <= 0 && state.msBeforeNext > 0) return this.refused(state);
    return { allowed: true };
  }

  private refused(state: RateLimiterRes): LimitDecision {
    return {
      allowed: false,
      retryAfterMs: Math.max(1, state.msBeforeNext),
      limit: this.settings.points,
      periodSeconds: this.settings.periodSeconds,
    };
  }
}

export interface RateLimits {
  scoring: RateLimit;
  training: RateLimit;
  authFailures: RateLimit;
}

export function createRateLimits(settings: {
  scoring: RateLimitSettings;
  training: RateLimitSettings;
  authFailures: RateLimitSettings;
}): RateLimits {
  return {
    scoring: new RateLimit('scoring', settings.scoring),
    training: new RateLimit('training', settings.training),
    authFailures: new RateLimit('auth_failures', settings.authFailures),
  };
}
