// `import`: a C-MAPSS subset from a folder of NASA files, or a CSV file (gzip or not) into a data set.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { importSubset, parseSubset } from '../../modules/datasets/import-service';
import { DatasetImportService } from '../../modules/datasets/dataset-import-service';
import { parseImportOptions } from '../../modules/datasets/import-options';
import { badInput } from '../../platform/errors';
import { loadConfig } from '../config';
import { cliLogger, withDatabase } from './runtime';

function subsetOption(value: string) {
  try {
    return parseSubset(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface ImportCommandOptions {
  subset?: ReturnType<typeof parseSubset>;
  dir: string;
  csv?: string;
  dataset?: string;
  mapping?: string;
}

/** "asset=engine&cycle=time&labels=run-to-failure" or "asset=engine,labels=..." -> parameters. */
function mappingParameters(mapping: string | undefined): Record<string, string> {
  if (!mapping) return {};
  return Object.fromEntries(new URLSearchParams(mapping).entries());
}

export function importCommand(): Command {
  return new Command('import')
    .description(
      'Import a C-MAPSS subset (train and test trajectories, test RUL), or a CSV file into a data set; re-importing changes nothing.',
    )
    .option('--subset <name>', 'C-MAPSS subset: FD001, FD002, FD003 or FD004', subsetOption)
    .option('--dir <folder>', 'folder holding train_/test_/RUL_ files (.txt or .txt.gz)', loadConfig().datasetDir)
    .option('--csv <file>', 'a CSV file with a header row (gzip accepted) to import into --dataset')
    .option('--dataset <name>', 'data set the CSV file goes to (created when absent)')
    .option(
      '--mapping <parameters>',
      'column roles and labels as POST /imports takes them, e.g. "asset=engine&cycle=time&settings=op1,op2&labels=run-to-failure&units=temp:K"',
    )
    .action(async (options: ImportCommandOptions) => {
      if ((options.subset === undefined) === (options.csv === undefined)) {
        throw badInput('give either --subset (a C-MAPSS folder) or --csv with --dataset');
      }
      if (options.subset !== undefined) {
        const summary = await withDatabase((database) => importSubset(database.prisma, options.subset!, options.dir));
        process.stdout.write(
          `${summary.subset}: ${summary.enginesCreated} engines created, ${summary.enginesUnchanged} unchanged, ` +
            `${summary.cyclesInserted} cycles inserted in ${summary.durationMs} ms\n`,
        );
        return;
      }
      const importOptions = parseImportOptions({
        filename: path.basename(options.csv!),
        ...mappingParameters(options.mapping),
        ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
      });
      const done = await withDatabase((database) =>
        new DatasetImportService(database, cliLogger()).importFile(importOptions, options.csv!, `cli-${process.pid}`),
      );
      const seconds = (done.finishedAt!.getTime() - done.startedAt!.getTime()) / 1000;
      if (done.status !== 'SUCCEEDED') {
        process.stderr.write(`import ${done.id} failed: ${(done.error as { message: string }).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `${done.dataset}: ${done.rowsRead} rows read, ${done.rowsWritten} cycles written, ${done.enginesCreated} engines created, ` +
          `${done.enginesUnchanged} unchanged in ${seconds.toFixed(1)} s (import ${done.id})\n`,
      );
    });
}
