// The dashboard's operations, typed by GraphQL Code Generator from schema.graphql into ../gql: the
// committed files must be what the generator makes of today's schema and operations (run
// `npm run dashboard:codegen` after changing either), which also validates every operation against the
// schema (a renamed field fails here, not in an operator's browser); and no operation may select a field
// or argument the schema deprecates (the offset lists gave way to cursor connections).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSchema, NoDeprecatedCustomRule, parse, validate } from 'graphql';
import * as generated from '../gql/graphql';

const root = path.join(__dirname, '..', '..', '..');

// The generator's CommonJS build requires an ES-module-only dependency, which jest's module runtime
// cannot load: it runs in a child node, as `npm run dashboard:codegen` does, and hands back its files.
const GENERATE = `
const { generate, loadContext } = await import('@graphql-codegen/cli');
const context = await loadContext('dashboard/codegen.ts');
context.updateConfig({ silent: true });
const outputs = await generate(context, false);
process.stdout.write(JSON.stringify(outputs.map(({ filename, content }) => ({ filename, content }))));
`;

const operations = Object.entries(generated)
  .filter(([name]) => name.endsWith('Document'))
  .map(([name, document]) => [name, String(document)] as const);

describe("the dashboard's generated GraphQL operations", () => {
  it('are what `npm run dashboard:codegen` generates from schema.graphql and the pages', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', GENERATE], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const outputs = JSON.parse(stdout) as { filename: string; content: string }[];
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = fs.readFileSync(path.join(root, output.filename), 'utf8');
      expect({ file: output.filename, content: committed }).toEqual({ file: output.filename, content: output.content });
    }
  });

  it('are found in the pages', () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
  });

  // ../api/gql.ts sends the text as written, which would lack a fragment's definition.
  it('use no fragments', () => {
    expect(Object.keys(generated).filter((name) => name.endsWith('FragmentDoc'))).toEqual([]);
  });

  const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  it.each(operations)('%s selects no deprecated field or argument', (_, document) => {
    expect(validate(schema, parse(document), [NoDeprecatedCustomRule]).map((error) => error.message)).toEqual([]);
  });
});
