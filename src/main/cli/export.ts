// `export`: writes a version's portable file (src/modules/registry/portable-version.ts), which
// `import-version` or POST /model-versions/import registers in another deployment.
import fs from 'node:fs';
import { Command } from 'commander';
import { DatasetService } from '../../modules/datasets/dataset-service';
import { ModelRegistry } from '../../modules/registry/model-registry';
import { ModelVersionTransfer } from '../../modules/registry/model-version-transfer';
import { withDatabase } from './runtime';

export function exportCommand(): Command {
  return new Command('export')
    .description(
      'Write a model version as one portable file (artifact, normalisation, regimes, threshold, scoring method, metrics, lineage).',
    )
    .argument('<version>', 'model version id, or one of its aliases')
    .option('--out <file>', 'where to write it (default: model-version-<version>-<kind>.json here; - for stdout)')
    .option('--json', 'print { id, version, kind, file, bytes, checksum } as JSON')
    .action(async (named: string, options: { out?: string; json?: boolean }) => {
      const { version, exported } = await withDatabase(async (database) => {
        const registry = new ModelRegistry(database.prisma);
        const summary = /^\d+$/.test(named) ? await registry.get(Number(named)) : await registry.byAlias(named);
        const transfer = new ModelVersionTransfer(database.prisma, registry, new DatasetService(database.prisma));
        return { version: summary, exported: await transfer.exportVersion(summary.id) };
      });
      const file = options.out ?? exported.fileName;
      if (file === '-') {
        process.stdout.write(exported.text);
        return;
      }
      fs.writeFileSync(file, exported.text);
      const record = {
        id: version.id,
        version: version.version,
        kind: version.kind,
        file,
        bytes: Buffer.byteLength(exported.text),
        checksum: exported.checksum,
      };
      if (options.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else
        process.stdout.write(
          `model version ${version.id} (${version.kind}) written to ${file}: ${record.bytes} bytes, ${exported.checksum}\n`,
        );
    });
}
