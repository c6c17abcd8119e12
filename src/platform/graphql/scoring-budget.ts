// Windows scored because of a read (a trajectory, an evaluation or a comparison scores the windows of
// its engines that the version has not scored yet) count against the caller's scoring rate limit like
// scoreWindows does, and one request may score at most MAX_WINDOWS_SCORED_BY_REQUEST that way: issue 15
// saw engines(page: { limit: 500 }) { items { trajectory { ... } } } write 24,014 scores in 24 s outside
// any limit. Scores are stored once computed, so reading in smaller parts gets everything.
import type { RateLimit } from '../auth/rate-limits';
import { ErrorCode, ServiceError } from '../errors';
import type { Metrics } from '../observability/metrics';
import { enforce } from './request-plugin';

/** Most windows one request may have scored by its reads. */
export const MAX_WINDOWS_SCORED_BY_REQUEST = 20_000;

/** Charges windows a read is about to score; throws (BATCH_TOO_LARGE, RATE_LIMITED) when they do not fit. */
export interface ScoringBudget {
  charge(windows: number): Promise<void>;
}

/** No limit: the command line and the services' own callers. */
export const UNLIMITED_SCORING: ScoringBudget = { charge: async () => undefined };

/** The budget of one request, counted for `clientKey` against the scoring rate limit. */
export function requestScoringBudget(limit: RateLimit, clientKey: string, metrics: Metrics): ScoringBudget {
  let charged = 0;
  return {
    async charge(windows) {
      if (windows <= 0) return;
      // Counted before waiting: the field resolvers of one request charge concurrently.
      if (charged + windows > MAX_WINDOWS_SCORED_BY_REQUEST) {
        throw new ServiceError(
          ErrorCode.BATCH_TOO_LARGE,
          `this request would score more than ${MAX_WINDOWS_SCORED_BY_REQUEST} windows to answer (${charged + windows} so far): ` +
            'read fewer engines at a time (a smaller page.limit, fewer units); scores are stored once computed, so later reads cost nothing',
          { limit: MAX_WINDOWS_SCORED_BY_REQUEST },
        );
      }
      charged += windows;
      try {
        await enforce(limit, clientKey, windows, metrics);
      } catch (error) {
        charged -= windows;
        throw error;
      }
    },
  };
}
