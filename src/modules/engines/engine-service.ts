// Engines and their cycle histories.
import { Prisma, type Engine, type EngineRole, type PrismaClient } from '@prisma/client';
import type { Catalogue } from '../../domain/data/catalogue';
import { MAX_STORED_INTEGER } from '../../domain/data/cmapss';
import type { QueryExecutor } from '../../platform/db/migrations';
import { insertCycles } from './cycle-rows';
import { catalogueOf, datasetNamed } from '../datasets/dataset-service';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';

export interface EngineFilter {
  /** Data set name, in any case. */
  dataset?: string | null;
  role?: EngineRole | null;
}

export interface CycleRange {
  from?: number | null;
  to?: number | null;
}

export interface NewCycle {
  /** Cycle number; when omitted, the next one after the engine's last cycle. */
  cycle?: number | null;
  settings: number[];
  sensors: number[];
}

/**
 * Cycles (and windows) of a long engine history, as the cost estimate takes it when nothing bounds it:
 * FD001's longest engine has 362 cycles, FD004's 543.
 */
export const ENGINE_WINDOWS = 400;

/** Most cycles one read returns, over all the engines it reads (a larger read is refused). */
export const MAX_CYCLES_PER_READ = 20_000;

/** Most cycles accepted by one append call. */
export const MAX_APPEND_CYCLES = 5_000;

export class EngineService {
  constructor(
    private readonly prisma: PrismaClient,
    /** The database driver itself, for reads of many rows. */
    private readonly query: QueryExecutor,
  ) {}

  async list(filter: EngineFilter = {}, pageRequest?: PageRequest | null): Promise<Page<Engine>> {
    const { offset, limit } = resolvePage(pageRequest);
    const where: Prisma.EngineWhereInput = {
      ...(filter.dataset ? { dataset: datasetNamed(filter.dataset) } : {}),
      ...(filter.role ? { role: filter.role } : {}),
    };
    const [items, totalCount] = await Promise.all([
      this.prisma.engine.findMany({
        where,
        orderBy: [{ dataset: { name: 'asc' } }, { role: 'asc' }, { unit: 'asc' }, { id: 'asc' }],
        skip: offset,
        take: limit,
      }),
      this.prisma.engine.count({ where }),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  /** Engines in id order (the order of creation), as a cursor connection. */
  connection(filter: EngineFilter = {}, request?: ConnectionRequest | null): Promise<Connection<Engine>> {
    const where: Prisma.EngineWhereInput = {
      ...(filter.dataset ? { dataset: datasetNamed(filter.dataset) } : {}),
      ...(filter.role ? { role: filter.role } : {}),
    };
    return keysetConnection('engine', 'asc', request, {
      rows: (id, order, take) => this.prisma.engine.findMany({ where: { AND: [where, { id }] }, orderBy: { id: order }, take }),
      count: () => this.prisma.engine.count({ where }),
    });
  }

  async get(id: number): Promise<Engine> {
    const engine = await this.findMany([id]);
    if (!engine[0]) throw notFound('engine', id);
    return engine[0];
  }

  /** Engines by id, in the order asked, null where absent (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(Engine | null)[]> {
    const engines = await this.prisma.engine.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(engines.map((engine) => [engine.id, engine]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Creates a live engine of data set `dataset`: one that reports its readings while it runs. */
  async createLive(externalId: string, dataset: { id: number; name: string }): Promise<Engine> {
    const trimmed = externalId.trim();
    if (trimmed.length === 0 || trimmed.length > 200) throw badInput('externalId must hold 1 to 200 characters');
    try {
      return await this.prisma.engine.create({ data: { role: 'LIVE', externalId: trimmed, datasetId: dataset.id, labelling: 'NONE' } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ServiceError(ErrorCode.CONFLICT, `dataset ${dataset.name} already has an engine with externalId "${trimmed}"`, {
          externalId: trimmed,
        });
      }
      throw error;
    }
  }

  /**
   * Appends cycles to a live engine, all or nothing. Cycle numbers continue the engine's history; a
   * concurrent append to the same engine makes one of the two fail with CONFLICT instead of interleaving.
   */
  async appendCycles(engineId: number, cycles: readonly NewCycle[]): Promise<AppendResult> {
    const plan = await this.planAppend(engineId, cycles);
    const engine = await this.prisma.$transaction((tx) => this.storeAppend(tx, plan));
    return { engine, cycles: plan.numbers };
  }

  /** Checks an append (live engine, shapes, finite values, numbering) before anything is written. */
  async planAppend(engineId: number, cycles: readonly NewCycle[]): Promise<AppendPlan> {
    const engine = await this.get(engineId);
    if (engine.role !== 'LIVE') {
      throw badInput(`engine ${engineId} is a ${engine.role.toLowerCase()} engine: only LIVE engines accept new cycles`);
    }
    const dataset = await this.prisma.dataset.findUniqueOrThrow({ where: { id: engine.datasetId } });
    return { engine, cycles, numbers: validateNewCycles(engine, catalogueOf(dataset), cycles) };
  }

  /** Writes a planned append inside `tx` (CONFLICT when other cycles arrived since it was planned). */
  async storeAppend(tx: Prisma.TransactionClient, plan: AppendPlan): Promise<Engine> {
    const { engine, cycles, numbers } = plan;
    let updated: Engine;
    try {
      // The claim and the engine as it now is, in one statement (UPDATE ... RETURNING).
      updated = await tx.engine.update({
        where: { id: engine.id, lastCycle: engine.lastCycle },
        data: { lastCycle: numbers[numbers.length - 1] },
      });
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025')) throw error;
      throw new ServiceError(ErrorCode.CONFLICT, `engine ${engine.id} received other cycles meanwhile: read its lastCycle and retry`);
    }
    await insertCycles(
      tx,
      cycles.map((cycle, index) => ({ engineId: engine.id, cycle: numbers[index], settings: cycle.settings, sensors: cycle.sensors })),
    );
    return updated;
  }

  /** The engine's cycles in cycle order, optionally within a range, as a cursor connection keyed by cycle number. */
  cyclesConnection(engineId: number, range: CycleRange = {}, request?: ConnectionRequest | null): Promise<Connection<CycleReadings>> {
    validateRange(range);
    const within: Prisma.CycleWhereInput = { engineId, cycle: { gte: range.from ?? undefined, lte: range.to ?? undefined } };
    return keysetConnection<CycleReadings>(`cycle:${engineId}`, 'asc', request, {
      rows: (cycle, order, take) =>
        this.prisma.cycle.findMany({
          where: { AND: [within, { cycle }] },
          orderBy: { cycle: order },
          take,
          select: { cycle: true, recordedAt: true, settings: true, sensors: true },
        }),
      count: () => this.prisma.cycle.count({ where: within }),
      key: (row) => row.cycle,
    });
  }

  /**
   * Cycles of several engines over one cycle range, grouped per engine in cycle order: one query for a
   * whole page of engines, at most MAX_CYCLES_PER_READ rows (BATCH_TOO_LARGE beyond). Read through the
   * driver: Prisma's mapping of every row held the serving thread ~0.05 ms a cycle.
   */
  async cyclesOf(engineIds: readonly number[], range: CycleRange = {}): Promise<CycleReadings[][]> {
    validateRange(range);
    const rows = await this.query<{ engine_id: number; cycle: number; recorded_at: Date | null; settings: number[]; sensors: number[] }>(
      `SELECT engine_id, cycle, recorded_at, settings, sensors FROM cycles
        WHERE engine_id = ANY($1::int4[]) AND cycle >= $2 AND cycle <= $3
        ORDER BY engine_id, cycle LIMIT $4`,
      [[...engineIds], range.from ?? 0, range.to ?? MAX_STORED_INTEGER, MAX_CYCLES_PER_READ + 1],
    );
    if (rows.length > MAX_CYCLES_PER_READ) {
      throw new ServiceError(
        ErrorCode.BATCH_TOO_LARGE,
        `the ${engineIds.length === 1 ? 'engine holds' : `${engineIds.length} engines hold`} more than ${MAX_CYCLES_PER_READ} cycles in the range asked: ` +
          'read at most that many at a time, with cycles(from, to) or fewer engines (page.limit)',
        { limit: MAX_CYCLES_PER_READ },
      );
    }
    const byEngine = new Map<number, CycleReadings[]>(engineIds.map((id) => [id, []]));
    for (const row of rows) {
      byEngine.get(row.engine_id)?.push({ cycle: row.cycle, recordedAt: row.recorded_at, settings: row.settings, sensors: row.sensors });
    }
    return engineIds.map((id) => byEngine.get(id) ?? []);
  }
}

/** One stored cycle: its number, and its settings and sensor readings in its data set's catalogue order. */
export interface CycleReadings {
  cycle: number;
  recordedAt: Date | null;
  settings: number[];
  sensors: number[];
}

export interface AppendPlan {
  engine: Engine;
  cycles: readonly NewCycle[];
  numbers: number[];
}

export interface AppendResult {
  engine: Engine;
  /** Numbers of the cycles stored by this call. */
  cycles: number[];
}

/** Cycle numbers of the new cycles; each must hold one value per setting and sensor of the catalogue. */
function validateNewCycles(engine: Engine, catalogue: Catalogue, cycles: readonly NewCycle[]): number[] {
  if (cycles.length === 0) throw badInput('cycles must hold at least one cycle');
  if (cycles.length > MAX_APPEND_CYCLES) {
    throw new ServiceError(
      ErrorCode.BATCH_TOO_LARGE,
      `at most ${MAX_APPEND_CYCLES} cycles can be appended in one call, got ${cycles.length}`,
    );
  }
  return cycles.map((cycle, index) => {
    const expected = engine.lastCycle + index + 1;
    if (cycle.cycle != null && cycle.cycle !== expected) {
      throw badInput(
        `cycles[${index}].cycle must be ${expected} (engine ${engine.id} has ${engine.lastCycle} cycles; cycles are consecutive), got ${cycle.cycle}`,
      );
    }
    for (const [field, values, columns] of [
      ['settings', cycle.settings, catalogue.settings],
      ['sensors', cycle.sensors, catalogue.sensors],
    ] as const) {
      if (values.length !== columns.length) {
        const names = columns.slice(0, 30).map((column) => column.name);
        throw badInput(
          `cycles[${index}].${field} must hold ${columns.length} values, got ${values.length} (its data set's ${field}: ${names.join(', ') || 'none'}${columns.length > 30 ? ', ...' : ''})`,
        );
      }
      const bad = values.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) throw badInput(`cycles[${index}].${field}[${bad}] must be a finite number, got ${values[bad]}`);
    }
    return expected;
  });
}

function validateRange(range: CycleRange): void {
  for (const [name, value] of [
    ['from', range.from],
    ['to', range.to],
  ] as const) {
    if (value != null && (!Number.isInteger(value) || value < 1)) throw badInput(`cycles ${name} must be a positive integer, got ${value}`);
  }
  if (range.from != null && range.to != null && range.from > range.to) {
    throw badInput(`cycles from (${range.from}) must not exceed to (${range.to})`);
  }
}
