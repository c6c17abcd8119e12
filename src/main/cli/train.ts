// `train`: queues a training job and runs it in this process (the same code path as the server's
// runner), drawing a progress bar, then prints the metrics of the registered version.
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Database } from '../../platform/db/database';
import type { Logger } from '../../platform/observability/logger';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createServices } from '../services';
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';
import type { TrainingRequestInput, UnitRange } from '../../modules/training/training-request';
import { metricsTable } from './report';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger, parseNumber, parseUnitRanges } from './units';
import { SCORING_METHODS } from '../../detectors/lstm-autoencoder/scoring';
import type { OptionSpec } from '../../detectors/detector';
import { DEFAULT_DETECTOR_KIND, DETECTOR_KINDS, detectorKind } from '../../detectors/registry';

export interface TrainOutcome {
  jobId: number;
  status: string;
  error: string | null;
  modelVersionId: number | null;
  version: number | null;
  metrics: MetricsRecord | null;
  threshold: number | null;
  trainingMs: number | null;
}

export async function runTraining(
  database: Database,
  logger: Logger,
  input: TrainingRequestInput,
  options: { progress: boolean; write: (text: string) => void },
): Promise<TrainOutcome> {
  await selectBackend({ log: (line) => logger.info(line) });
  let bar: SingleBar | null = null;
  const services = createServices(database, logger, {
    runner: {
      onEpoch: (_jobId, progress) => {
        if (!options.progress) return;
        if (!bar) {
          bar = new SingleBar({
            format: 'epoch {value}/{total} [{bar}] loss {loss} val {val} | {elapsed}s elapsed, ~{remaining}s left',
            hideCursor: true,
          });
          bar.start(job.totalEpochs, 0, { loss: '-', val: '-', elapsed: 0, remaining: '?' });
        }
        const perEpoch = progress.elapsedMs / progress.epoch;
        bar.update(progress.epoch, {
          loss: progress.loss === null ? '-' : progress.loss.toFixed(5),
          val: progress.validationLoss === null ? '-' : progress.validationLoss.toFixed(5),
          elapsed: (progress.elapsedMs / 1000).toFixed(0),
          remaining: ((perEpoch * (job.totalEpochs - progress.epoch)) / 1000).toFixed(0),
        });
      },
    },
  });
  const job = await services.jobs.enqueue(input);
  options.write(`training job ${job.id} queued: ${job.totalEpochs} epochs\n`);
  const finished = await services.runner.runNext(job.id).finally(() => (bar as SingleBar | null)?.stop());
  if (!finished) throw new Error(`training job ${job.id} was taken by another runner`);
  const version = finished.modelVersionId === null ? null : await services.models.get(finished.modelVersionId);
  const outcome: TrainOutcome = {
    jobId: finished.id,
    status: finished.status,
    error: finished.error,
    modelVersionId: version?.id ?? null,
    version: version?.version ?? null,
    metrics: (version?.metrics as unknown as MetricsRecord | null) ?? null,
    threshold: version?.threshold ?? null,
    trainingMs: version?.trainingMs ?? null,
  };
  if (outcome.metrics && version) {
    options.write(
      `${metricsTable(`model version ${version.version} (id ${version.id}), trained in ${((version.trainingMs ?? 0) / 1000).toFixed(1)} s on ${version.backend}; test engines:`, outcome.metrics)}\n`,
    );
  } else {
    options.write(`training job ${finished.id} ${finished.status.toLowerCase()}${finished.error ? `: ${finished.error}` : ''}\n`);
  }
  return outcome;
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
  thresholdQuantile?: number;
  regimes?: string;
  regimeCount?: number;
  kind?: string;
  scoring?: string;
  activate?: boolean;
  progress: boolean;
  /** Kind options, as typed on the command line (converted by the chosen kind's option types). */
  [option: string]: unknown;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Every kind's options, once per name: a flag takes a string, converted by the chosen kind's option type. */
function kindOptionFlags(): Map<string, { flag: string; description: string }> {
  const flags = new Map<string, { flag: string; description: string }>();
  for (const kind of DETECTOR_KINDS) {
    for (const spec of kind.options) {
      const entry = flags.get(spec.name);
      const description = `${kind.name}: ${spec.description}${spec.default !== null ? ` (default ${JSON.stringify(spec.default)})` : ''}`;
      if (entry) entry.description += `; ${description}`;
      else flags.set(spec.name, { flag: `--${kebab(spec.name)} <value>`, description });
    }
  }
  return flags;
}

function convert(spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case 'int':
      return parseInteger(text);
    case 'float':
      return parseNumber(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new InvalidArgumentError(`--${kebab(spec.name)} must be true or false`);
      return text === 'true';
    case 'string':
      return text;
    case 'int-list':
      return text.split(',').map((item) => parseInteger(item.trim()));
  }
}

/** The command's options as a training request (validated by the service, like the GraphQL input). */
function trainingInput(options: TrainCommandOptions): TrainingRequestInput {
  const kind = detectorKind(options.kind ?? DEFAULT_DETECTOR_KIND);
  const kindOptions: Record<string, unknown> = {};
  const given = [...kindOptionFlags().keys()].filter((name) => options[name] !== undefined);
  for (const name of given) {
    const spec = kind.options.find((candidate) => candidate.name === name);
    if (!spec)
      throw new InvalidArgumentError(
        `--${kebab(name)} is not an option of ${kind.name} (its options: ${kind.options.map((o) => `--${kebab(o.name)}`).join(', ')})`,
      );
    kindOptions[name] = convert(spec, String(options[name]));
  }
  if (options.scoring !== undefined) kindOptions.scoringMethod = options.scoring;
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
    thresholdQuantile: options.thresholdQuantile ?? null,
    regimes: options.regimes === undefined ? null : options.regimes === 'off' ? 'OFF' : 'AUTO',
    regimeCount: options.regimeCount ?? null,
    activate: options.activate ?? false,
    kind: kind.name,
    kindOptions: { [kind.name]: kindOptions },
  };
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description(
      'Train a model version in this process (the same job as the trainModel mutation: queued, run, calibrated, evaluated on ' +
        'the test units and registered), with a progress bar per epoch; prints the metrics on the test units. Every option ' +
        'defaults to the reference configuration (an lstm-autoencoder).',
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
    .option('--threshold-quantile <q>', 'quantile of the healthy calibration scores used as threshold', parseNumber)
    .addOption(
      new Option('--regimes <mode>', 'normalise within operating regimes: auto (when the settings form several clusters) or off').choices([
        'auto',
        'off',
      ]),
    )
    .option('--regime-count <count>', 'a fixed number of operating regimes (1-10)', parseInteger)
    .addOption(
      new Option('--kind <kind>', `detector kind (default ${DEFAULT_DETECTOR_KIND})`).choices(DETECTOR_KINDS.map((kind) => kind.name)),
    )
    .addOption(
      new Option('--scoring <method>', 'lstm-autoencoder scoring method, as --scoring-method (see README, Scoring methods)').choices(
        SCORING_METHODS,
      ),
    );
  for (const { flag, description } of kindOptionFlags().values()) command.option(flag, description);
  return command
    .option('--activate', 'make the new version the active one')
    .option('--no-progress', 'no progress bar')
    .action(async (options: TrainCommandOptions) => {
      const outcome = await withDatabase((database) =>
        runTraining(database, cliLogger(), trainingInput(options), {
          progress: options.progress && process.stderr.isTTY === true,
          write: (text) => process.stdout.write(text),
        }),
      );
      if (outcome.status !== 'SUCCEEDED') process.exitCode = 1;
    });
}
