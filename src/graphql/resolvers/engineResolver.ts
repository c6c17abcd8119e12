import type { Cycle as CycleRow, Engine as EngineRow } from '@prisma/client';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { SENSOR_COUNT, SETTING_COUNT } from '../../data/cmapss';
import type { RequestContext } from '../context';
import { Cycle, Engine, EngineFilter, EnginePage } from '../types/engine';
import { PageInput } from '../types/pagination';

function toCycle(row: CycleRow): Cycle {
  const record = row as unknown as Record<string, number>;
  return {
    cycle: row.cycle,
    settings: Array.from({ length: SETTING_COUNT }, (_, index) => record[`setting${index + 1}`]),
    sensors: Array.from({ length: SENSOR_COUNT }, (_, index) => record[`sensor${index + 1}`]),
  };
}

@Resolver(() => Engine)
export class EngineResolver {
  @Query(() => EnginePage, { description: 'Engines, optionally filtered by data set and role, in data set, role and unit order.' })
  engines(
    @Ctx() { services }: RequestContext,
    @Arg('filter', () => EngineFilter, { nullable: true }) filter?: EngineFilter,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return services.engines.list(filter ?? {}, page);
  }

  @Query(() => Engine, { nullable: true, description: 'One engine by id; null with a NOT_FOUND error when it does not exist.' })
  engine(@Arg('id', () => Int, { description: 'Engine id.' }) id: number, @Ctx() { services }: RequestContext) {
    return services.engines.get(id);
  }

  @FieldResolver(() => [Cycle], { description: 'Cycles of the engine in cycle order, optionally limited to a range (inclusive).' })
  async cycles(
    @Root() engine: EngineRow,
    @Ctx() { loaders }: RequestContext,
    @Arg('from', () => Int, { nullable: true, description: 'First cycle to return.' }) from?: number,
    @Arg('to', () => Int, { nullable: true, description: 'Last cycle to return.' }) to?: number,
  ): Promise<Cycle[]> {
    const rows = await loaders.cycles({ from, to }).load(engine.id);
    return rows.map(toCycle);
  }
}
