// Command-line interface: `npm run cli -- <command>`. Same configuration as the server (DATABASE_URL or
// the embedded database in DATA_DIR).
import 'reflect-metadata';
import pino from 'pino';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runEvaluation } from './cli/evaluate';
import { runTraining } from './cli/train';
import { parseInteger, parseNumber, parseUnitRanges } from './cli/units';
import { loadConfig, loadEnvironmentFile } from './config';
import { openDatabase, type Database } from './db/database';
import { emitSchemaFile, SCHEMA_FILE } from './graphql/schema';
import { createLogger, type Logger } from './logger';
import { ApiKeyService, type ApiKeyInfo } from './services/apiKeys';
import { ServiceError } from './services/errors';
import { importSubset, parseSubset } from './services/importService';
import { SCORING_METHODS } from './services/scoring';
import type { TrainingRequestInput, UnitRange } from './services/trainingRequest';

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

/**
 * Logs go to stderr so that stdout holds only the command's report; quiet (warnings and errors) unless
 * LOG_LEVEL is set.
 */
function cliLogger(): Logger {
  return createLogger(process.env.LOG_LEVEL ? loadConfig().logLevel : 'warn', pino.destination(2));
}

function subsetOption(value: string) {
  try {
    return parseSubset(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface TrainCommandOptions {
  name?: string;
  dataset: string;
  trainUnits?: UnitRange[];
  calibrationUnits?: UnitRange[];
  testUnits?: UnitRange[];
  healthyRul?: number;
  anomalyRul?: number;
  windowLength?: number;
  stride?: number;
  hidden?: number;
  code?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  clipNorm?: number;
  seed?: number;
  earlyStoppingPatience?: number;
  thresholdQuantile?: number;
  scoring?: string;
  activate?: boolean;
  progress: boolean;
}

/** The command's options as a training request (validated by the service, like the GraphQL input). */
function trainingInput(options: TrainCommandOptions): TrainingRequestInput {
  return {
    name: options.name ?? null,
    dataset: options.dataset,
    trainUnits: options.trainUnits ?? null,
    calibrationUnits: options.calibrationUnits ?? null,
    testUnits: options.testUnits ?? null,
    healthyRul: options.healthyRul ?? null,
    anomalyRul: options.anomalyRul ?? null,
    windowLength: options.windowLength ?? null,
    stride: options.stride ?? null,
    hidden: options.hidden ?? null,
    code: options.code ?? null,
    epochs: options.epochs ?? null,
    batchSize: options.batchSize ?? null,
    learningRate: options.learningRate ?? null,
    weightDecay: options.weightDecay ?? null,
    clipNorm: options.clipNorm ?? null,
    seed: options.seed ?? null,
    earlyStoppingPatience: options.earlyStoppingPatience ?? null,
    thresholdQuantile: options.thresholdQuantile ?? null,
    scoringMethod: options.scoring ?? null,
    activate: options.activate ?? false,
  };
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

  program
    .command('train')
    .description(
      'Train a model version in this process (the same job as the trainModel mutation: queued, run, calibrated, evaluated on ' +
        'the test units and registered), with a progress bar per epoch; prints the metrics on the test units. Every option ' +
        'defaults to the reference configuration.',
    )
    .option('--name <name>', 'name of the version')
    .option('--dataset <subset>', 'imported subset to train on (FD001..FD004)', 'FD001')
    .option('--train-units <ranges>', 'training units, e.g. 1-70', parseUnitRanges)
    .option('--calibration-units <ranges>', 'units whose healthy windows set the threshold, e.g. 71-80', parseUnitRanges)
    .option('--test-units <ranges>', 'units the version is evaluated on, e.g. 81-100', parseUnitRanges)
    .option('--healthy-rul <cycles>', 'windows ending with RUL above this are healthy (training data)', parseInteger)
    .option('--anomaly-rul <cycles>', 'windows ending with RUL at or below this are anomalous', parseInteger)
    .option('--window-length <cycles>', 'cycles per window', parseInteger)
    .option('--stride <cycles>', 'cycles between the ends of consecutive windows', parseInteger)
    .option('--hidden <units>', 'LSTM units of encoder and decoder', parseInteger)
    .option('--code <units>', 'bottleneck size', parseInteger)
    .option('--epochs <count>', 'training epochs', parseInteger)
    .option('--batch-size <windows>', 'windows per batch', parseInteger)
    .option('--learning-rate <rate>', 'initial Adam learning rate (cosine schedule to 0)', parseNumber)
    .option('--weight-decay <value>', 'Adam L2 weight decay', parseNumber)
    .option('--clip-norm <value>', 'global gradient-norm clipping', parseNumber)
    .option('--seed <integer>', 'seeds initialisation and shuffling', parseInteger)
    .option('--early-stopping-patience <epochs>', 'stop after this many epochs without improvement of the calibration loss', parseInteger)
    .option('--threshold-quantile <q>', 'quantile of the healthy calibration scores used as threshold (reconstruction-error)', parseNumber)
    .addOption(new Option('--scoring <method>', 'scoring method (default reconstruction-error; see README, Scoring methods)').choices(SCORING_METHODS))
    .option('--activate', 'make the new version the active one')
    .option('--no-progress', 'no progress bar')
    .action(async (options: TrainCommandOptions) => {
      const outcome = await withDatabase((database) =>
        runTraining(database, cliLogger(), trainingInput(options), { progress: options.progress && process.stderr.isTTY === true, write: (text) => process.stdout.write(text) }),
      );
      if (outcome.status !== 'SUCCEEDED') process.exitCode = 1;
    });

  program
    .command('evaluate')
    .description(
      'Evaluate a stored model version at its threshold on labelled engines of any imported subset (stored as a new ' +
        'evaluation of the version) and print the metrics.',
    )
    .argument('<version-id>', 'model version id', parseInteger)
    .option('--dataset <subset>', 'subset (default: the one the version was trained on)')
    .addOption(new Option('--role <role>', 'TRAIN (run-to-failure) or TEST (truncated, RUL file) engines').choices(['train', 'test']).default('train'))
    .option('--units <ranges>', 'units to evaluate (default: the version\'s test units)', parseUnitRanges)
    .option('--anomaly-rul <cycles>', 'windows ending with RUL at or below this are anomalous (default: the version\'s)', parseInteger)
    .action(async (versionId: number, options: { dataset?: string; role: 'train' | 'test'; units?: UnitRange[]; anomalyRul?: number }) => {
      await withDatabase((database) =>
        runEvaluation(
          database,
          cliLogger(),
          versionId,
          { dataset: options.dataset ?? null, role: options.role === 'test' ? 'TEST' : 'TRAIN', units: options.units ?? null, anomalyRul: options.anomalyRul ?? null },
          (text) => process.stdout.write(text),
        ),
      );
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
