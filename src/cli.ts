// Command-line interface: `npm run cli -- <command>`. Same configuration as the server (DATABASE_URL or
// the embedded database in DATA_DIR).
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, loadEnvironmentFile } from './config';
import { openDatabase, type Database } from './db/database';
import { emitSchemaFile, SCHEMA_FILE } from './graphql/schema';
import { ServiceError } from './services/errors';
import { importSubset, parseSubset } from './services/importService';

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

function subsetOption(value: string) {
  try {
    return parseSubset(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function buildCli(): Command {
  const program = new Command('engine-health')
    .description('Engine-health anomaly detection service: data import, training and evaluation commands.')
    .showHelpAfterError();

  program
    .command('import')
    .description('Import a C-MAPSS subset (train and test trajectories, test RUL); re-importing changes nothing.')
    .requiredOption('--subset <name>', 'FD001, FD002, FD003 or FD004', subsetOption)
    .option('--dir <folder>', 'folder holding train_/test_/RUL_ files (.txt or .txt.gz)', loadConfig().datasetDir)
    .action(async (options: { subset: ReturnType<typeof parseSubset>; dir: string }) => {
      const summary = await withDatabase((database) => importSubset(database.prisma, options.subset, options.dir));
      process.stdout.write(
        `${summary.subset}: ${summary.enginesCreated} engines created, ${summary.enginesUnchanged} unchanged, ` +
          `${summary.cyclesInserted} cycles inserted in ${summary.durationMs} ms\n`,
      );
    });

  program
    .command('emit-schema')
    .description(`Write the GraphQL schema built from the type-graphql classes to ${SCHEMA_FILE}.`)
    .action(async () => {
      await emitSchemaFile();
      process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
    });

  return program;
}

if (require.main === module) {
  loadEnvironmentFile();
  buildCli()
    .parseAsync(process.argv)
    .catch((error) => {
      const message = error instanceof ServiceError ? `${error.code}: ${error.message}` : error instanceof Error ? error.stack : String(error);
      process.stderr.write(`${message}\n`);
      process.exit(1);
    });
}
