// `alias`: points an alias (e.g. champion) at a version, moving it from the version that had it.
import { Command } from 'commander';
import { ModelRegistry } from '../../modules/registry/model-registry';
import { ALIAS_RULE, ModelVersionCuration } from '../../modules/registry/model-version-curation';
import { versionRecords, versionTable } from './versions';
import { withDatabase } from './runtime';
import { parseInteger } from './units';

export function aliasCommand(): Command {
  return new Command('alias')
    .description(`Point an alias at a version (${ALIAS_RULE}); an alias names one version, so it moves from the one that had it.`)
    .argument('<id>', 'model version id', parseInteger)
    .argument('<name>', 'the alias, e.g. champion')
    .option('--json', 'print { alias, modelVersion, previous } as JSON')
    .action(async (id: number, name: string, options: { json?: boolean }) => {
      const { modelVersion, previous } = await withDatabase(async (database) => {
        const move = await new ModelVersionCuration(database.prisma, new ModelRegistry(database.prisma)).setAlias(id, name);
        const [versionRecord, previousRecord] = await versionRecords(
          database.prisma,
          move.previous ? [move.modelVersion, move.previous] : [move.modelVersion],
        );
        return { modelVersion: versionRecord, previous: previousRecord ?? null };
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ alias: name, modelVersion, previous }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${versionTable(previous ? [modelVersion, previous] : [modelVersion])}\n`);
      process.stderr.write(`"${name}" names model version ${modelVersion.id}${previous ? ` (moved from ${previous.id})` : ''}.\n`);
    });
}
