// `activate`: makes a version the one scoring uses by default, and says which version it replaced.
import { Command } from 'commander';
import { ModelRegistry } from '../../modules/registry/model-registry';
import { versionRecords, versionTable } from './versions';
import { withDatabase } from './runtime';
import { parseInteger } from './units';

export function activateCommand(): Command {
  return new Command('activate')
    .description('Make a version the one scoring uses by default (exactly one is active); prints it and the version it replaced.')
    .argument('<id>', 'model version id', parseInteger)
    .option('--json', 'print { activated, previous } as JSON')
    .action(async (id: number, options: { json?: boolean }) => {
      const { activated, previous } = await withDatabase(async (database) => {
        const change = await new ModelRegistry(database.prisma).activate(id);
        const [activatedRecord, previousRecord] = await versionRecords(
          database.prisma,
          change.previous ? [change.activated, change.previous] : [change.activated],
        );
        return { activated: activatedRecord, previous: previousRecord ?? null };
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ activated, previous }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${versionTable(previous ? [activated, previous] : [activated])}\n`);
      process.stderr.write(
        previous ? `model version ${activated.id} is active; ${previous.id} no longer is.\n` : `model version ${activated.id} is active.\n`,
      );
    });
}
