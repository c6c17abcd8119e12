// Command-line interface: `npm run cli -- <command>`. Same configuration as the server (DATABASE_URL or
// the embedded database in DATA_DIR).
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, loadEnvironmentFile } from './config';
import { openDatabase, type Database } from './db/database';
import { emitSchemaFile, SCHEMA_FILE } from './graphql/schema';
import { ApiKeyService, type ApiKeyInfo } from './services/apiKeys';
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

  const keys = program.command('keys').description('Manage API keys (GraphQL clients send them as "Authorization: Bearer <key>").');
  {
    const describeKey = (key: ApiKeyInfo) =>
      [
        String(key.id).padStart(4),
        key.prefix,
        key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active',
        key.roles.map((role) => role.toLowerCase()).join(',').padEnd(28),
        `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
        key.name,
      ].join('  ');
    keys
      .command('create')
      .description('Create a key and print it (once: only its hash is stored).')
      .requiredOption('--name <name>', 'who or what the key is for')
      .requiredOption('--roles <roles>', 'comma-separated roles: reader, scorer, operator, admin')
      .action(async (options: { name: string; roles: string }) => {
        const created = await withDatabase((database) => new ApiKeyService(database.prisma).create(options.name, options.roles));
        process.stdout.write(`${created.key}\n`);
        process.stderr.write(
          `created key ${created.info.id} (${created.info.prefix}) "${created.info.name}" with roles ${created.info.roles.join(', ').toLowerCase()}.\n` +
            'Store it now: it cannot be shown again.\n',
        );
      });
    keys
      .command('revoke')
      .description('Revoke a key by id, prefix (ehk_ and 8 characters) or the key itself; refused at once by this database\'s servers (within AUTH_CACHE_TTL_MS).')
      .argument('<key>', 'id, prefix or key')
      .action(async (reference: string) => {
        const revoked = await withDatabase((database) => new ApiKeyService(database.prisma).revoke(reference));
        process.stdout.write(`${describeKey(revoked)}\n`);
      });
    keys
      .command('list')
      .description('List every key (id, prefix, state, roles, last use, name); never the secrets.')
      .action(async () => {
        const all = await withDatabase((database) => new ApiKeyService(database.prisma).list());
        process.stdout.write(all.length === 0 ? 'no API keys\n' : `${all.map(describeKey).join('\n')}\n`);
      });
  }

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
