// `score`: scores a CSV of sensor columns (every window of consecutive rows, with the rows before it as its
// engine's earlier cycles) or a window file with a stored version, through the same scoring service as the API (scores are stored, as there).
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { CsvRecords, decompressed } from '../../modules/datasets/csv-rows';
import { ImportFileError } from '../../modules/datasets/import-errors';
import { MAX_BATCH_WINDOWS, type ScoreResult, type WindowInput } from '../../modules/scoring/scoring-service';
import { LOOK_BACK_CYCLES } from '../../domain/data/windows';
import { badInput } from '../../platform/errors';
import { createServices } from '../services';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger } from './units';

/** A CSV's columns by header name, each with its values in row order. */
async function readColumns(file: string): Promise<{ names: string[]; values: number[][] }> {
  const name = path.basename(file);
  const records = new CsvRecords(decompressed(fs.createReadStream(file), name), ',', name);
  const header = await records.header();
  if (!header) throw new ImportFileError(name, null, null, 'the file is empty: a header of sensor names, then one row per cycle');
  const names = header.map((title) => title.trim());
  const values: number[][] = names.map(() => []);
  await records.rows(
    (row) => {
      if (row.blank()) return;
      if (row.length !== names.length) {
        throw new ImportFileError(name, row.line, null, `expected ${names.length} values (the header's columns), got ${row.length}`);
      }
      for (let column = 0; column < row.length; column++) {
        const value = row.reading(column);
        if (Number.isNaN(value))
          throw new ImportFileError(name, row.line, column + 1, `${names[column]} must be a finite number, got "${row.text(column)}"`);
        values[column].push(value);
      }
    },
    () => null,
  );
  return { names, values };
}

/**
 * Every window of `length` consecutive rows (stride 1) as named columns, each with its last row, and with
 * the LOOK_BACK_CYCLES rows before it that a version that looks back compares it with.
 */
function windowsOf(columns: { names: string[]; values: number[][] }, length: number): { endRow: number; input: WindowInput }[] {
  const rows = columns.values[0]?.length ?? 0;
  if (rows < length) throw badInput(`the file holds ${rows} rows: the version scores windows of ${length} consecutive rows`);
  return Array.from({ length: rows - length + 1 }, (_, start) => ({
    endRow: start + length,
    input: {
      columns: columns.names.map((sensor, c) => ({
        sensor,
        values: columns.values[c].slice(Math.max(0, start - LOOK_BACK_CYCLES), start + length),
      })),
    },
  }));
}

/** The windows of a JSON window file: `{ "window": ... }` (as examples/window-variables.json), `{ "windows": [...] }` or one window. */
function windowsOfJson(file: string): { endRow: null; input: WindowInput }[] {
  let parsed: { window?: WindowInput; windows?: WindowInput[] } & WindowInput;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw badInput(`${path.basename(file)} is not JSON: ${(error as Error).message}`);
  }
  const inputs = parsed.windows ?? [parsed.window ?? parsed];
  return inputs.map((input) => ({ endRow: null, input }));
}

export function scoreCommand(): Command {
  return new Command('score')
    .description(
      'Score a CSV file (a header of sensor names, one row per cycle: every window of consecutive rows) or a JSON window ' +
        'file with a model version, and print each window’s score against the threshold.',
    )
    .argument('<file>', 'a .csv (or .csv.gz) of sensor columns, or a .json window file')
    .option('--version <id>', 'model version id (default: the active version)', parseInteger)
    .option('--json', 'print JSON instead of a table')
    .action(async (file: string, options: { version?: number; json?: boolean }) => {
      await withDatabase(async (database) => {
        const logger = cliLogger();
        await selectBackend({ log: (line) => logger.info(line) });
        const services = createServices(database, logger);
        const version = await services.models.resolve(options.version ?? null);
        let windows: { endRow: number | null; input: WindowInput }[];
        try {
          windows = file.endsWith('.json') ? windowsOfJson(file) : windowsOf(await readColumns(file), version.windowLength);
        } catch (error) {
          throw error instanceof ImportFileError ? error.toServiceError() : error;
        }
        const results: ScoreResult[] = [];
        for (let start = 0; start < windows.length; start += MAX_BATCH_WINDOWS) {
          const batch = windows.slice(start, start + MAX_BATCH_WINDOWS).map((window) => window.input);
          results.push(...(await services.scoring.scoreWindows(batch, version.id)));
        }
        const rows = results.map((result, index) => ({
          endRow: windows[index].endRow,
          score: result.score,
          isAnomaly: result.isAnomaly,
          topSensors: result.contributions.slice(0, 3).map((entry) => entry.sensor),
        }));
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ modelVersionId: version.id, threshold: version.threshold, windows: rows }, null, 2)}\n`);
          return;
        }
        const flagged = rows.filter((row) => row.isAnomaly).length;
        process.stdout.write(
          `model version id ${version.id}, threshold ${version.threshold.toPrecision(6)}: ${rows.length} windows, ${flagged} flagged\n` +
            `${'end row'.padStart(8)}  ${'score'.padStart(12)}  flagged  top sensors\n` +
            rows
              .map(
                (row) =>
                  `${String(row.endRow ?? '-').padStart(8)}  ${row.score.toPrecision(6).padStart(12)}  ${(row.isAnomaly ? 'yes' : 'no').padEnd(7)}  ${row.topSensors.join(', ')}`,
              )
              .join('\n') +
            '\n',
        );
      });
    });
}
