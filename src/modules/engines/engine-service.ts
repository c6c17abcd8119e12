// Engines and their cycle histories.
import { Prisma, type Cycle, type Engine, type EngineRole, type PrismaClient } from '@prisma/client';
import { SENSOR_COUNT, SETTING_COUNT } from '../../domain/data/cmapss';
import { insertCycles } from './cycle-rows';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';

export interface EngineFilter {
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
      ...(filter.dataset ? { dataset: filter.dataset.toUpperCase() } : {}),
      ...(filter.role ? { role: filter.role } : {}),
    };
    const [items, totalCount] = await Promise.all([
      this.prisma.engine.findMany({
        where,
        orderBy: [{ dataset: 'asc' }, { role: 'asc' }, { unit: 'asc' }, { id: 'asc' }],
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

  /** Creates a live engine: one that reports its readings while it runs. */
  async createLive(externalId: string): Promise<Engine> {
    const trimmed = externalId.trim();
    if (trimmed.length === 0 || trimmed.length > 200) throw badInput('externalId must hold 1 to 200 characters');
    try {
      return await this.prisma.engine.create({ data: { role: 'LIVE', externalId: trimmed } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new ServiceError(ErrorCode.CONFLICT, `an engine with externalId "${trimmed}" already exists`, { externalId: trimmed });
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
      throw badInput(`engine ${engineId} is a C-MAPSS ${engine.role.toLowerCase()} engine: only LIVE engines accept new cycles`);
    }
    const numbers = validateNewCycles(engine, cycles);
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

function validateNewCycles(engine: Engine, cycles: readonly NewCycle[]): number[] {
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
    for (const [field, values, length] of [
      ['settings', cycle.settings, SETTING_COUNT],
      ['sensors', cycle.sensors, SENSOR_COUNT],
    ] as const) {
      if (values.length !== length) throw badInput(`cycles[${index}].${field} must hold ${length} values, got ${values.length}`);
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
