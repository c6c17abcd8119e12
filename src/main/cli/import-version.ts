// `import-version`: registers the version a portable file holds (written by `export` or by
// GET /model-versions/{id}/export in another deployment), inactive unless --activate.
import fs from 'node:fs';
import { Command } from 'commander';
import { DatasetService } from '../../modules/datasets/dataset-service';
import { ModelRegistry } from '../../modules/registry/model-registry';
import { ModelVersionTransfer } from '../../modules/registry/model-version-transfer';
import { MAX_PORTABLE_FILE_BYTES } from '../../modules/registry/portable-version';
import { badInput } from '../../platform/errors';
import { versionRecords, versionTable } from './versions';
import { withDatabase } from './runtime';

function readFile(file: string): string {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    throw badInput(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (size > MAX_PORTABLE_FILE_BYTES)
    throw badInput(`${file} holds ${size} bytes: a model version file may hold ${MAX_PORTABLE_FILE_BYTES}`);
  return fs.readFileSync(file, 'utf8');
}

export function importVersionCommand(): Command {
  return new Command('import-version')
    .description('Register the model version a portable file holds (from `export`), checked whole first; inactive unless --activate.')
    .argument('<file>', 'the portable file (.json)')
    .option('--activate', 'make it the version scoring uses by default')
    .option('--alias <name>', 'point this alias at it (moved from the version that had it)')
    .option('--json', 'print the registered version as JSON')
    .action(async (file: string, options: { activate?: boolean; alias?: string; json?: boolean }) => {
      const text = readFile(file);
      const [record] = await withDatabase(async (database) => {
        const registry = new ModelRegistry(database.prisma);
        const transfer = new ModelVersionTransfer(database.prisma, registry, new DatasetService(database.prisma));
        const version = await transfer.importVersion(text, { activate: options.activate ?? false, alias: options.alias ?? null });
        return versionRecords(database.prisma, [version]);
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${versionTable([record])}\n`);
      process.stderr.write(`model version ${record.id} imported from ${file}${record.isActive ? ' and active' : ''}.\n`);
    });
}
