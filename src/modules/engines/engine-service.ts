// Engines and their cycle histories.
import { Prisma, type Cycle, type Engine, type EngineRole, type PrismaClient } from '@prisma/client';
import type { Catalogue } from '../../domain/data/catalogue';
import { insertCycles } from './cycle-rows';
import { catalogueOf, datasetNamed } from '../datasets/dataset-service';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';

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

/** Most cycles accepted by one append call. */
export const MAX_APPEND_CYCLES = 5_000;

export class EngineService {
  constructor(private readonly prisma: PrismaClient) {}

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
    const engine = await this.get(engineId);
    if (engine.role !== 'LIVE') {
      throw badInput(`engine ${engineId} is a ${engine.role.toLowerCase()} engine: only LIVE engines accept new cycles`);
    }
    const dataset = await this.prisma.dataset.findUniqueOrThrow({ where: { id: engine.datasetId } });
    const numbers = validateNewCycles(engine, catalogueOf(dataset), cycles);
    const lastCycle = numbers[numbers.length - 1];
    const updated = await this.prisma.$transaction(async (tx) => {
      const claimed = await tx.engine.updateMany({ where: { id: engineId, lastCycle: engine.lastCycle }, data: { lastCycle } });
      if (claimed.count !== 1) {
        throw new ServiceError(ErrorCode.CONFLICT, `engine ${engineId} received other cycles meanwhile: read its lastCycle and retry`);
      }
      await insertCycles(
        tx,
        cycles.map((cycle, index) => ({ engineId, cycle: numbers[index], settings: cycle.settings, sensors: cycle.sensors })),
      );
      return tx.engine.findUniqueOrThrow({ where: { id: engineId } });
    });
    return { engine: updated, cycles: numbers };
  }

  /**
   * Cycles of several engines over one cycle range, grouped per engine in cycle order: one query for a
   * whole page of engines.
   */
  async cyclesOf(engineIds: readonly number[], range: CycleRange = {}): Promise<Cycle[][]> {
    validateRange(range);
    const cycles = await this.prisma.cycle.findMany({
      where: {
        engineId: { in: [...engineIds] },
        cycle: { ...(range.from != null ? { gte: range.from } : {}), ...(range.to != null ? { lte: range.to } : {}) },
      },
      orderBy: [{ engineId: 'asc' }, { cycle: 'asc' }],
    });
    const byEngine = new Map<number, Cycle[]>(engineIds.map((id) => [id, []]));
    for (const cycle of cycles) byEngine.get(cycle.engineId)?.push(cycle);
    return engineIds.map((id) => byEngine.get(id) ?? []);
  }
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
