import fs from 'node:fs';
import { SCHEMA_FILE } from '../../src/platform/graphql/schema';
import { buildAppSchema, printAppSchema } from '../../src/main/schema';

describe('schema.graphql', () => {
  it('is the schema the type-graphql classes build (run `npm run schema:emit` after changing them)', async () => {
    const built = await printAppSchema();
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(built);
  });

  it('describes every type, field and argument', async () => {
    const schema = await buildAppSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (
        type.name.startsWith('__') ||
        ['Query', 'Mutation', 'Subscription', 'String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)
      )
        continue;
      if (!type.description) missing.push(type.name);
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description && !['filter', 'page'].includes(arg.name)) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
