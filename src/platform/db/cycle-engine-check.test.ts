// cycles.engine_id is checked by statement-level triggers instead of a foreign key (migration
// 20261208100000_cycles_statement_level_engine_check): they must keep the key's guarantees.
import { describeEachDatabase } from '../../../test/support/databases';

describeEachDatabase('the engine check on cycles', (db) => {
  let engineId: number;

  beforeAll(async () => {
    const [dataset] = await db().query<{ id: number }>(
      `INSERT INTO datasets (name, settings, sensors, format) VALUES ('engine-check', '[]', '[{"name":"s1"}]', 'CSV') RETURNING id`,
    );
    [{ id: engineId }] = await db().query<{ id: number }>(
      `INSERT INTO engines (dataset_id, role, external_id, labelling, updated_at) VALUES ($1, 'LIVE', 'check-1', 'NONE', now()) RETURNING id`,
      [dataset.id],
    );
  });

  const insertCycles = (engineIds: number[]) =>
    db().query(
      `INSERT INTO cycles (engine_id, cycle, settings, sensors) SELECT e, n, '{}', '{1}' FROM unnest($1::int4[]) WITH ORDINALITY AS t(e, n)`,
      [engineIds],
    );

  it('refuses a statement naming an engine that does not exist, and writes none of its rows', async () => {
    await expect(insertCycles([engineId, engineId + 1000])).rejects.toThrow(/cycles_engine_id_check/);
    expect(await db().prisma.cycle.count()).toBe(0);
  });

  it('accepts cycles of existing engines and refuses moving them to a missing one', async () => {
    await insertCycles([engineId, engineId]);
    await expect(db().query(`UPDATE cycles SET engine_id = engine_id + 1000`)).rejects.toThrow(/cycles_engine_id_check/);
    expect(await db().prisma.cycle.count({ where: { engineId } })).toBe(2);
  });

  it('refuses to change the id of an engine that has cycles', async () => {
    await expect(db().query(`UPDATE engines SET id = id + 1000 WHERE id = $1`, [engineId])).rejects.toThrow(/has cycles/);
  });

  it('deletes the cycles of deleted engines', async () => {
    await db().query(`DELETE FROM engines WHERE id = $1`, [engineId]);
    expect(await db().prisma.cycle.count()).toBe(0);
  });
});
