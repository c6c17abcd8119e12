// Live engines report cycles as they run; appending can score the windows the new cycles complete.
import type { Engine } from '@prisma/client';
import type { EngineService, NewCycle } from './engine-service';
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
  ) {}

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
