// Every GraphQL operation the dashboard sends, checked against schema.graphql: a renamed field or a
// changed mutation payload fails here, not in an operator's browser. Operations are the template
// constants of the pages (`const X_QUERY = \`query ...\``), with their `${CONSTANT}` fragments filled in.
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';

const root = path.join(__dirname, '..', '..', '..');
const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The operations a file declares, by constant name. */
function operationsOf(file: string): [string, string][] {
  const text = fs.readFileSync(file, 'utf8');
  const constants = new Map<string, string>();
  for (const match of text.matchAll(/const (\w+) = '([^']*)';/g)) constants.set(match[1], match[2]);
  return [...text.matchAll(/const (\w+) = `((?:query|mutation|subscription)\b[^`]*)`/g)].map((match) => {
    const filled = match[2].replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const value = constants.get(name);
      if (value === undefined)
        throw new Error(`${path.basename(file)}: ${match[1]} uses \${${name}}, which is no string constant of the file`);
      return value;
    });
    return [`${path.relative(root, file)} ${match[1]}`, filled];
  });
}

const operations = sourceFiles(path.join(root, 'dashboard', 'src')).flatMap(operationsOf);

describe("the dashboard's GraphQL operations", () => {
  it('are found in the pages', () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
  });

  it.each(operations)('%s is valid against schema.graphql', (_, document) => {
    expect(validate(schema, parse(document)).map((error) => error.message)).toEqual([]);
  });
});
