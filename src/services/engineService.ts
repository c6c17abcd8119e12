// Engines and their cycle histories.
import type { Cycle, Engine, EngineRole, Prisma, PrismaClient } from '@prisma/client';
import { badInput, notFound } from './errors';
import { resolvePage, toPage, type Page, type PageRequest } from './pagination';

export interface EngineFilter {
  dataset?: string | null;
  role?: EngineRole | null;
}

export interface CycleRange {
  from?: number | null;
  to?: number | null;
}

export class EngineService {
  constructor(private readonly prisma: PrismaClient) {}

  async list(filter: EngineFilter = {}, pageRequest?: PageRequest | null): Promise<Page<Engine>> {
    const { offset, limit } = resolvePage(pageRequest);
    const where: Prisma.EngineWhereInput = {
      ...(filter.dataset ? { dataset: filter.dataset.toUpperCase() } : {}),
      ...(filter.role ? { role: filter.role } : {}),
    };
    const [items, totalCount] = await Promise.all([
      this.prisma.engine.findMany({ where, orderBy: [{ dataset: 'asc' }, { role: 'asc' }, { unit: 'asc' }, { id: 'asc' }], skip: offset, take: limit }),
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

function validateRange(range: CycleRange): void {
  for (const [name, value] of [['from', range.from], ['to', range.to]] as const) {
    if (value != null && (!Number.isInteger(value) || value < 1)) throw badInput(`cycles ${name} must be a positive integer, got ${value}`);
  }
  if (range.from != null && range.to != null && range.from > range.to) {
    throw badInput(`cycles from (${range.from}) must not exceed to (${range.to})`);
  }
}
