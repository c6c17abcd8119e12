// Per-request context of a GraphQL operation: who calls, the HTTP layer's record of the request, and the
// request's batch loaders (DataLoader), so that resolving a field on every item of a list costs one
// query, not one per item. Services are not here: each resolver receives the services it uses when the
// schema is built (see src/main/schema.ts).
import DataLoader from 'dataloader';
import type { Principal } from '../auth/principal';
import type { RequestState } from '../http/requests';
import type { ScoringBudget } from './scoring-budget';

/** The batch loaders of one request, created on first use under a name. */
export class LoaderCache {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** The request's loader named `name`; `batch` creates it the first time the name is asked for. */
  get<Key, Value>(name: string, batch: DataLoader.BatchLoadFn<Key, Value>): DataLoader<Key, Value> {
    let loader = this.loaders.get(name) as DataLoader<Key, Value> | undefined;
    if (!loader) {
      loader = new DataLoader(batch);
      this.loaders.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}

export interface RequestContext {
  requestId: string;
  /** The caller: an API key, or ANONYMOUS (every role) when authentication is off. */
  principal: Principal;
  /** The HTTP layer's record of the request (operation, outcome, logger). */
  state: RequestState;
  loaders: LoaderCache;
  /** Windows this request's reads may score (trajectories, evaluations, comparisons). */
  scoringBudget: ScoringBudget;
}
