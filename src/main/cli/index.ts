// Command-line interface: `npm run cli -- <command>`, one file per command. Same configuration as the
// server (DATABASE_URL or the embedded database in DATA_DIR).
import 'reflect-metadata';
import { Command } from 'commander';
import { ServiceError } from '../../platform/errors';
import { loadEnvironmentFile } from '../config';
import { activateCommand } from './activate';
import { aliasCommand } from './alias';
import { compareCommand } from './compare';
import { emitSchemaCommand } from './emit-schema';
import { evaluateCommand } from './evaluate';
import { exportCommand } from './export';
import { importCommand } from './import';
import { importVersionCommand } from './import-version';
import { keysCommand } from './keys';
import { migrateCommand } from './migrate';
import { scoreCommand } from './score';
import { trainCommand } from './train';
import { versionsCommand } from './versions';

export function buildCli(): Command {
  return new Command('engine-health')
    .description('Engine-health anomaly detection service: data import, training, evaluation, scoring and registry commands.')
    .showHelpAfterError()
    .addCommand(migrateCommand())
    .addCommand(importCommand())
    .addCommand(emitSchemaCommand())
    .addCommand(trainCommand())
    .addCommand(evaluateCommand())
    .addCommand(scoreCommand())
    .addCommand(compareCommand())
    .addCommand(versionsCommand())
    .addCommand(activateCommand())
    .addCommand(aliasCommand())
    .addCommand(exportCommand())
    .addCommand(importVersionCommand())
    .addCommand(keysCommand());
}

if (require.main === module) {
  loadEnvironmentFile();
  buildCli()
    .parseAsync(process.argv)
    .catch((error) => {
      const message =
        error instanceof ServiceError ? `${error.code}: ${error.message}` : error instanceof Error ? error.stack : String(error);
      process.stderr.write(`${message}\n`);
      process.exit(1);
    });
}
