import { ApiRole, type Dataset, type Engine as EngineRow } from '@prisma/client';
import { Arg, Args, Authorized, Ctx, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { columnNames } from '../../domain/data/catalogue';
import { badInput } from '../../platform/errors';
import type { FieldCost } from '../../platform/graphql/cost';
import type { RequestContext } from '../../platform/graphql/context';
import { catalogueOf, type DatasetService } from '../datasets/dataset-service';
import {
  AppendCyclesResult,
  CreateEngineInput,
  Cycle,
  CycleConnection,
  CycleInput,
  Engine,
  EngineFilter,
  EngineConnection,
  EnginePage,
  EngineScore,
  Trajectory,
  TrajectoryPoint,
} from './engine-types';
import type { SubscriptionContext } from '../../platform/graphql/subscription-server';
import { engineScoresOf, type EngineScoreEvent } from './engine-score-events';
import { PageInput } from '../../platform/graphql/pagination';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { mapConnection } from '../../platform/db/connection';
import { MAX_TRAJECTORY_POINTS, type TrajectoryPoint as TrajectoryPointRow, type TrajectoryService } from '../scoring/trajectory-service';
import { SensorContribution } from '../scoring/scoring-types';
import { ENGINE_WINDOWS, MAX_CYCLES_PER_READ, type CycleReadings, type EngineService } from './engine-service';
import type { LiveEngineService } from './live-engine-service';
import { reportWindowsScored } from '../../platform/observability/events';
import { IDEMPOTENCY_KEY_TTL_HOURS, MAX_IDEMPOTENCY_KEY_LENGTH } from './append-requests';

function toCycle(engineId: number, row: CycleReadings, names: { sensorNames: readonly string[]; settingNames: readonly string[] }): Cycle {
  return Object.assign(new Cycle(), {
    id: `${engineId}:${row.cycle}`,
    cycle: row.cycle,
    recordedAt: row.recordedAt,
    settings: row.settings,
    sensors: row.sensors,
    ...names,
  });
}

/** Catalogue positions of the sensors `cycles(sensors:)` names; BAD_USER_INPUT for an unknown or repeated name. */
function chosenSensors(chosen: readonly string[], sensorNames: readonly string[], dataset: string): number[] {
  return chosen.map((name, position) => {
    const index = sensorNames.indexOf(name);
    if (index < 0)
      throw badInput(`sensors[${position}]: "${name}" is no sensor of data set ${dataset} (its sensors: ${sensorNames.join(', ')})`, {
        argument: 'sensors',
      });
    if (chosen.indexOf(name) !== position) throw badInput(`sensors[${position}]: "${name}" is named twice`, { argument: 'sensors' });
    return index;
  });
}

/** The data set of an engine, batch-loaded per request. */
function datasetOf(engine: EngineRow, loaders: RequestContext['loaders'], datasets: DatasetService): Promise<Dataset | null> {
  return loaders.get('datasets', (ids: readonly number[]) => datasets.findMany(ids)).load(engine.datasetId);
}

@Resolver(() => Engine)
export class EngineResolver {
  constructor(
    private readonly engineService: EngineService,
    private readonly liveEngineService: LiveEngineService,
    private readonly trajectoryService: TrajectoryService,
    private readonly datasetService: DatasetService,
  ) {}

  @Authorized(ApiRole.READER)
  @Query(() => EnginePage, {
    description: 'Engines, optionally filtered by data set and role, in data set, role and unit order.',
    deprecationReason: 'Offset pages shift as items come and go: use enginesConnection (a cursor connection).',
  })
  engines(
    @Arg('filter', () => EngineFilter, { nullable: true }) filter?: EngineFilter,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return this.engineService.list(filter ?? {}, page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => EngineConnection, { description: 'Engines, optionally filtered by data set and role, in id order (the order of creation).' })
  enginesConnection(@Arg('filter', () => EngineFilter, { nullable: true }) filter: EngineFilter | undefined, @Args() page: ConnectionArgs) {
    return this.engineService.connection(filter ?? {}, page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => Engine, { nullable: true, description: 'One engine by id; null with a NOT_FOUND error when it does not exist.' })
  engine(@Arg('id', () => Int, { description: 'Engine id.' }) id: number) {
    return this.engineService.get(id);
  }

  @Authorized(ApiRole.SCORER)
  @Mutation(() => Engine, {
    description: 'Creates a live engine, one that reports its readings while it runs (CONFLICT when the externalId exists).',
  })
  createEngine(@Arg('input', () => CreateEngineInput, { description: 'The engine to create.' }) input: CreateEngineInput) {
    return this.liveEngineService.create(input.externalId, input.dataset);
  }

  @Authorized(ApiRole.SCORER)
  @Mutation(() => AppendCyclesResult, {
    description:
      'Appends cycles to a live engine; with score: true, the windows these cycles complete are scored by the active version in the same call. All or nothing: cycles and scores are stored together, or nothing is.',
  })
  async appendCycles(
    @Arg('engineId', () => Int, { description: 'Live engine id.' }) engineId: number,
    @Arg('cycles', () => [CycleInput], { description: 'New cycles, oldest first (at most 5000).' }) cycles: CycleInput[],
    @Arg('score', () => Boolean, { defaultValue: false, description: 'Score the windows the new cycles complete.' }) score: boolean,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: `Client-chosen key (1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, per engine) that makes a retry safe: the same request sent again with the same key within ${IDEMPOTENCY_KEY_TTL_HOURS} hours returns the first answer and writes nothing; the key with other cycles is CONFLICT.`,
    })
    idempotencyKey?: string | null,
  ): Promise<AppendCyclesResult> {
    const outcome = await this.liveEngineService.append(engineId, cycles, { score, idempotencyKey });
    if (outcome.scored && !outcome.replayed)
      reportWindowsScored(
        outcome.scored.modelVersionId,
        outcome.scored.points.map((point) => ({ cached: false, isAnomaly: point.isAnomaly })),
      ); // metrics hook
    return outcome;
  }

  @Authorized(ApiRole.READER)
  @Subscription(() => EngineScore, {
    description:
      'Each window score stored for a live engine from now on (appendCycles with score: true, on any replica), in cycle order, once its append has committed. Over graphql-ws at /graphql.',
    subscribe: ({ args, context }) => engineScoresOf((context as SubscriptionContext).events, (args as { engineId: number }).engineId),
  })
  engineScores(@Root() score: EngineScoreEvent, @Arg('engineId', () => Int, { description: 'Engine id.' }) engineId: number): EngineScore {
    return { ...score, engineId, id: `${engineId}:${score.modelVersionId}:${score.endCycle}` };
  }

  @Extensions({ cost: { weight: ENGINE_WINDOWS } satisfies FieldCost })
  @FieldResolver(() => Trajectory, {
    description:
      'Score of every window (stride 1) along the engine life under a model version (default: the active one); computed once per version, then read from storage.',
  })
  trajectory(
    @Root() engine: EngineRow,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version; default the active version.' }) modelVersionId?: number,
    @Arg('fromCycle', () => Int, { nullable: true, description: 'Only windows ending at or after this cycle.' }) fromCycle?: number,
    @Arg('toCycle', () => Int, {
      nullable: true,
      description: `Only windows ending at or before this cycle (a read returns at most ${MAX_TRAJECTORY_POINTS} windows).`,
    })
    toCycle?: number,
    @Ctx() context?: RequestContext,
  ) {
    // Whole trajectories of a list's engines (the fleet page) are read together.
    if (context && fromCycle == null && toCycle == null)
      return context.loaders
        .get(`trajectories:${modelVersionId ?? ''}`, (engines: readonly EngineRow[]) =>
          this.trajectoryService.trajectories(engines, modelVersionId, context.scoringBudget),
        )
        .load(engine);
    return this.trajectoryService.trajectory(engine.id, modelVersionId, { fromCycle, toCycle }, context?.scoringBudget);
  }

  @FieldResolver(() => String, { description: 'Name of the data set the engine belongs to (FD001, a CSV import, LIVE...).' })
  async dataset(@Root() engine: EngineRow, @Ctx() { loaders }: RequestContext): Promise<string> {
    return (await datasetOf(engine, loaders, this.datasetService))!.name;
  }

  @Extensions({ cost: { assumedSize: ENGINE_WINDOWS, rangeArguments: ['from', 'to'], maxSize: MAX_CYCLES_PER_READ } satisfies FieldCost })
  @FieldResolver(() => [Cycle], {
    description: `Cycles of the engine in cycle order, optionally limited to a range (inclusive): a range read of at most ${MAX_CYCLES_PER_READ} cycles (BATCH_TOO_LARGE beyond), as a chart takes them; cyclesConnection pages the same rows.`,
  })
  async cycles(
    @Root() engine: EngineRow,
    @Ctx() { loaders }: RequestContext,
    @Arg('from', () => Int, { nullable: true, description: 'First cycle to return.' }) from?: number,
    @Arg('to', () => Int, { nullable: true, description: 'Last cycle to return.' }) to?: number,
    @Arg('sensors', () => [String], {
      nullable: true,
      description:
        "Only these sensors (names of the data set's catalogue, e.g. sensor2), in this order: each cycle's sensors and readings hold just them. Every sensor, in catalogue order, when omitted.",
    })
    sensors?: string[] | null,
  ): Promise<Cycle[]> {
    const [rows, dataset] = await Promise.all([
      loaders
        .get(`cycles:${from ?? ''}:${to ?? ''}`, (ids: readonly number[]) => this.engineService.cyclesOf(ids, { from, to }))
        .load(engine.id),
      datasetOf(engine, loaders, this.datasetService),
    ]);
    const catalogue = catalogueOf(dataset!);
    const sensorNames = columnNames(catalogue.sensors);
    const names = { sensorNames, settingNames: columnNames(catalogue.settings) };
    if (!sensors) return rows.map((row) => toCycle(engine.id, row, names));
    const indices = chosenSensors(sensors, sensorNames, dataset!.name);
    return rows.map((row) =>
      toCycle(engine.id, { ...row, sensors: indices.map((index) => row.sensors[index]) }, { ...names, sensorNames: sensors }),
    );
  }

  @FieldResolver(() => CycleConnection, { description: 'Cycles of the engine in cycle order, optionally limited to a range (inclusive).' })
  async cyclesConnection(
    @Root() engine: EngineRow,
    @Ctx() { loaders }: RequestContext,
    @Arg('from', () => Int, { nullable: true, description: 'First cycle of the list.' }) from: number | undefined,
    @Arg('to', () => Int, { nullable: true, description: 'Last cycle of the list.' }) to: number | undefined,
    @Args() page: ConnectionArgs,
  ) {
    const [connection, dataset] = await Promise.all([
      this.engineService.cyclesConnection(engine.id, { from, to }, page),
      datasetOf(engine, loaders, this.datasetService),
    ]);
    const catalogue = catalogueOf(dataset!);
    const names = { sensorNames: columnNames(catalogue.sensors), settingNames: columnNames(catalogue.settings) };
    return mapConnection(connection, (rows) => rows.map((row) => toCycle(engine.id, row, names)));
  }
}

/** The per-sensor contributions of trajectory points, read from storage for all the points of a request at once. */
@Resolver(() => TrajectoryPoint)
export class TrajectoryPointResolver {
  constructor(private readonly trajectoryService: TrajectoryService) {}

  @Extensions({ cost: { assumedSize: 21 } satisfies FieldCost })
  @FieldResolver(() => [SensorContribution], {
    description:
      "Each sensor's error, share and signed residual in the window, largest error first (as scoreWindow gives them): which sensors drove the score, and which way.",
  })
  contributions(@Root() point: TrajectoryPointRow, @Ctx() { loaders }: RequestContext): Promise<SensorContribution[]> {
    return loaders
      .get('pointContributions', (points: readonly TrajectoryPointRow[]) => this.trajectoryService.contributionsOfPoints(points))
      .load(point);
  }
}
