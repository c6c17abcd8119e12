// `emit-schema`: writes schema.graphql from the type-graphql classes.
import { Command } from 'commander';
import { SCHEMA_FILE } from '../../platform/graphql/schema';
import { emitSchemaFile } from '../schema';

export function emitSchemaCommand(): Command {
  return new Command('emit-schema')
    .description(`Write the GraphQL schema built from the type-graphql classes to ${SCHEMA_FILE}.`)
    .action(async () => {
      await emitSchemaFile();
      process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
    });
}
