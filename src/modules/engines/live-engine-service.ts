// Live engines report cycles as they run; appending can score the windows the new cycles complete. An
// append is one unit of work: everything is checked and the new windows are scored first, then the
// cycles, windows, scores and the answer kept for the request's idempotency key are written in one
// transaction, so a failure anywhere stores nothing and a retry finds the engine as it was.
import type { Engine, PrismaClient } from '@prisma/client';
import { isStorableText } from '../../platform/graphql/input-checks';
import { badInput, ErrorCode, ServiceError } from '../../platform/errors';
import type { EngineService, NewCycle } from './engine-service';
import type { DatasetService } from '../datasets/dataset-service';
import type { ModelRegistry } from '../registry/model-registry';
import type { AppendScores, Trajectory, TrajectoryService } from '../scoring/trajectory-service';
import { transactionExecutor } from '../scoring/window-store';
import { NO_ALERT_OUTCOME, type AlertNotifier, type AlertOutcome } from '../alerts/alert-notifier';
import type { LoadedModel } from '../registry/model-registry';
import type { EventBus } from '../../platform/events/event-bus';
import { publishEngineScores } from './engine-score-events';
import {
  appendRequestHash,
  claimAppendRequest,
  findAppendRequest,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  saveAppendResponse,
  type StoredAppendRequest,
} from './append-requests';

export interface AppendOutcome {
  engine: Engine;
  appendedCycles: number[];
  scored: Trajectory | null;
  /** True when this is the stored answer of an earlier request with the same idempotency key. */
  replayed: boolean;
}

export interface AppendOptions {
  /** Score the windows the new cycles complete with the active version. */
  score: boolean;
  /** Client-chosen key: a retry with the same key returns the first answer and writes nothing. */
  idempotencyKey?: string | null;
}

// Up to 5,000 cycles and as many scored windows in one transaction; on a busy pool an append waits up
// to 10 s for a connection (Prisma's default is 2 s) rather than being refused as SERVICE_UNAVAILABLE.
const APPEND_TRANSACTION = { timeout: 60_000, maxWait: 10_000 };

/** Another request claimed the key first: its answer is the one to return. */
class KeyTaken extends Error {}

function replay(engineId: number, key: string, stored: StoredAppendRequest, requestHash: string): AppendOutcome {
  if (stored.requestHash !== requestHash) {
    throw new ServiceError(
      ErrorCode.CONFLICT,
      `idempotency key "${key}" was used by another request to engine ${engineId}: send new cycles under a new key`,
      { idempotencyKey: key },
    );
  }
  const outcome = JSON.parse(stored.response) as AppendOutcome;
  const engine = outcome.engine as unknown as Record<string, unknown>;
  return {
    ...outcome,
    engine: { ...outcome.engine, createdAt: new Date(engine.createdAt as string), updatedAt: new Date(engine.updatedAt as string) },
    replayed: true,
  };
}

export class LiveEngineService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly engines: EngineService,
    private readonly registry: ModelRegistry,
    private readonly trajectories: TrajectoryService,
    private readonly datasets: DatasetService,
    private readonly events: EventBus,
    private readonly alertNotifier: AlertNotifier,
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
   * is resolved, the readings checked against it and the windows scored before anything is written, so
   * a refusal (NO_ACTIVE_MODEL, INVALID_WINDOW, ...) stores nothing.
   */
  async append(engineId: number, cycles: readonly NewCycle[], options: AppendOptions): Promise<AppendOutcome> {
    const key = options.idempotencyKey ?? null;
    const requestHash = appendRequestHash(cycles, options.score);
    if (key !== null) {
      if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !isStorableText(key)) {
        throw badInput(`idempotencyKey must hold 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
      }
      const earlier = await findAppendRequest(this.prisma, engineId, key);
      if (earlier) return replay(engineId, key, earlier, requestHash);
    }
    const plan = await this.engines.planAppend(engineId, cycles);
    let scores: AppendScores | null = null;
    let loaded: LoadedModel | null = null;
    if (options.score) {
      loaded = await this.registry.load(await this.registry.resolve(null));
      scores = await this.trajectories.scoreAppend(plan, loaded);
    }
    let outcome: AppendOutcome;
    let alerted: AlertOutcome = NO_ALERT_OUTCOME;
    try {
      outcome = await this.prisma.$transaction(async (tx) => {
        if (key !== null && !(await claimAppendRequest(tx, engineId, key, requestHash))) throw new KeyTaken();
        const engine = await this.engines.storeAppend(tx, plan);
        if (scores !== null && loaded !== null) {
          await scores.store(transactionExecutor(tx));
          // In the same transaction: an append stores its scores, the alerts they raise and the webhook
          // deliveries announcing them, or none of these.
          alerted = await this.alertNotifier.refresh(transactionExecutor(tx), engineId, loaded.version);
        }
        const appended: AppendOutcome = { engine, appendedCycles: plan.numbers, scored: scores?.trajectory ?? null, replayed: false };
        if (key !== null) await saveAppendResponse(tx, engineId, key, JSON.stringify(appended));
        return appended;
      }, APPEND_TRANSACTION);
    } catch (error) {
      if (!(error instanceof KeyTaken) || key === null) throw error;
      const earlier = await findAppendRequest(this.prisma, engineId, key);
      if (!earlier) throw new ServiceError(ErrorCode.CONFLICT, `idempotency key "${key}" is in use by a request still running: retry`);
      return replay(engineId, key, earlier, requestHash);
    }
    // Only now that the transaction has committed: subscribers never hear of scores that are not stored.
    if (outcome.scored && outcome.scored.points.length > 0) publishEngineScores(this.events, outcome.scored);
    await this.alertNotifier.announce(alerted);
    return outcome;
  }
}
