// Live engines report cycles as they run; appending can score the windows the new cycles complete.
import type { Engine } from '@prisma/client';
import type { EngineService, NewCycle } from './engine-service';
import type { DatasetService } from '../datasets/dataset-service';
import type { ModelRegistry } from '../registry/model-registry';
import type { Trajectory, TrajectoryService } from '../scoring/trajectory-service';

export interface AppendOutcome {
  engine: Engine;
  appendedCycles: number[];
  scored: Trajectory | null;
}

export class LiveEngineService {
  constructor(
    private readonly engines: EngineService,
    private readonly registry: ModelRegistry,
    private readonly trajectories: TrajectoryService,
    private readonly datasets: DatasetService,
  ) {}

  /**
   * Creates a live engine in `dataset` (any case); by default in the active version's data set, whose
   * sensors that version reads, else in the LIVE data set (C-MAPSS catalogue).
   */
  async create(externalId: string, dataset?: string | null): Promise<Engine> {
    let target: { id: number; name: string };
    if (dataset != null) {
      target = await this.datasets.catalogue(dataset);
    } else {
      const active = await this.registry.active();
      const trainedOn = (active?.trainedOn ?? null) as { dataset?: string } | null;
      target = trainedOn?.dataset ? await this.datasets.catalogue(trainedOn.dataset) : await this.datasets.liveDataset();
    }
    return this.engines.createLive(externalId, target);
  }

  /**
   * Appends cycles; with `score`, scores the windows they complete with the active version. The version
   * is resolved before anything is written, so a missing active version (NO_ACTIVE_MODEL) stores nothing.
   */
  async append(engineId: number, cycles: readonly NewCycle[], score: boolean): Promise<AppendOutcome> {
    const version = score ? await this.registry.resolve(null) : null;
    const { engine, cycles: appendedCycles } = await this.engines.appendCycles(engineId, cycles);
    if (!version) return { engine, appendedCycles, scored: null };
    const firstCompleted = Math.max(appendedCycles[0], version.windowLength);
    const scored = await this.trajectories.trajectory(engine.id, version.id, firstCompleted);
    return { engine, appendedCycles, scored };
  }
}
