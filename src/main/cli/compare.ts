// `compare`: compares stored versions on the same windows (the first version's test engines by default).
import { Command, Option } from 'commander';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import type { UnitRange } from '../../modules/training/training-request';
import { createServices } from '../services';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger, parseUnitRanges } from './units';

const format = (value: number | null, digits = 4) => (value === null ? 'n/a' : value.toFixed(digits));
const signed = (value: number | null) => (value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(4)}`);

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      'Compare two to four model versions on the same windows, each at its own threshold: metrics, deltas against the ' +
        'first version, and how often their flags agree.',
    )
    .argument('<version-ids...>', 'model version ids, the first being the baseline', (text, previous: number[] = []) => [
      ...previous,
      parseInteger(text),
    ])
    .option('--dataset <subset>', 'subset (default: the one the first version was trained on)')
    .addOption(
      new Option('--role <role>', 'TRAIN (run-to-failure) or TEST (truncated, RUL file) engines')
        .choices(['train', 'test'])
        .default('train'),
    )
    .option('--units <ranges>', "units to compare on (default: the first version's test units)", parseUnitRanges)
    .option('--json', 'print JSON instead of a table')
    .action(async (ids: number[], options: { dataset?: string; role: 'train' | 'test'; units?: UnitRange[]; json?: boolean }) => {
      await withDatabase(async (database) => {
        const logger = cliLogger();
        await selectBackend({ log: (line) => logger.info(line) });
        const comparison = await createServices(database, logger).evaluations.compare(ids, {
          dataset: options.dataset ?? null,
          role: options.role === 'test' ? 'TEST' : 'TRAIN',
          units: options.units ?? null,
        });
        const rows = comparison.versions.map((entry) => ({
          id: entry.version.id,
          kind: entry.version.kind,
          metrics: entry.metrics,
          deltas: entry.deltas,
          agreement: entry.agreement,
          flaggedOnlyByThis: entry.flaggedOnlyByThis,
          flaggedOnlyByFirst: entry.flaggedOnlyByFirst,
        }));
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ commonWindows: comparison.commonWindows, versions: rows }, null, 2)}\n`);
          return;
        }
        const header = ['id', 'kind', 'ROC-AUC', 'precision', 'recall', 'F1', 'ΔROC-AUC', 'Δprecision', 'Δrecall', 'agreement'];
        const table = rows.map((row) => [
          String(row.id),
          row.kind,
          format(row.metrics.rocAuc),
          format(row.metrics.precision),
          format(row.metrics.recall),
          format(row.metrics.f1),
          signed(row.deltas.rocAuc),
          signed(row.deltas.precision),
          signed(row.deltas.recall),
          format(row.agreement),
        ]);
        const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => cells[column].length)));
        const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
        process.stdout.write(`${comparison.commonWindows} common windows\n${[header, ...table].map(line).join('\n')}\n`);
      });
    });
}
