// `import`: a C-MAPSS subset from a folder of NASA files.
import { Command, InvalidArgumentError } from 'commander';
import { importSubset, parseSubset } from '../../modules/datasets/import-service';
import { loadConfig } from '../config';
import { withDatabase } from './runtime';

function subsetOption(value: string) {
  try {
    return parseSubset(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function importCommand(): Command {
  return new Command('import')
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
}
