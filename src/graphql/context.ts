// Per-request context: the services and the request's batch loaders (DataLoader), so that resolving a
// field on every item of a list costs one query, not one per item.
import type { Cycle as CycleRow, Engine as EngineRow, Evaluation as EvaluationRow, TrainingEpoch as TrainingEpochRow } from '@prisma/client';
import DataLoader from 'dataloader';
import type { RequestState } from '../http/requests';
import type { ApiKeyService, Principal } from '../services/apiKeys';
import type { AppServices } from '../services/appServices';
import type { VersionSummary } from '../services/modelRegistry';
import type { CycleRange } from '../services/engineService';

export interface RequestContext {
  requestId: string;
  services: AppServices;
  loaders: Loaders;
  /** The caller: an API key, or ANONYMOUS (every role) when authentication is off. */
  principal: Principal;
  apiKeys: ApiKeyService;
  /** The HTTP layer's record of the request (operation, outcome, logger). */
  state: RequestState;
}

export interface Loaders {
  engine: DataLoader<number, EngineRow | null>;
  modelVersion: DataLoader<number, VersionSummary | null>;
  evaluations: DataLoader<number, EvaluationRow[]>;
  trainingEpochs: DataLoader<number, TrainingEpochRow[]>;
  /** Cycles of one engine over one range; batched per distinct range. */
  cycles(range: CycleRange): DataLoader<number, CycleRow[]>;
}

export function createLoaders(services: AppServices): Loaders {
  const cycleLoaders = new Map<string, DataLoader<number, CycleRow[]>>();
  return {
    engine: new DataLoader((ids) => services.engines.findMany(ids)),
    modelVersion: new DataLoader((ids) => services.models.findMany(ids)),
    evaluations: new DataLoader((ids) => services.models.evaluationsOf(ids)),
    trainingEpochs: new DataLoader((ids) => services.jobs.epochsOf(ids)),
    cycles(range) {
      const key = `${range.from ?? ''}:${range.to ?? ''}`;
      let loader = cycleLoaders.get(key);
      if (!loader) {
        loader = new DataLoader((ids) => services.engines.cyclesOf(ids, range));
        cycleLoaders.set(key, loader);
      }
      return loader;
    },
  };
}
