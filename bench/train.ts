// Training benchmark: the reference configuration on FD001 (train engines 1-70 healthy windows, batch
// 128, 80 epochs, all defaults of the PyTorch reference), trained in worker threads on both cores, then
// calibrated (99th percentile of engines 71-80) and evaluated on engines 81-100.
// Prints epochs, seconds per epoch, windows/s, total training time, peak RSS, ROC-AUC and the other
// metrics, single-window and batch inference latency, and writes them as JSON into results/.
//
//   node dist/bench/train.js [--seed 0] [--epochs 80] [--threads 2] [--init pytorch|keras] [--bias pair|single]
//                            [--validate] [--data DIR] [--out FILE] [--save-model FILE] [--quiet]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';
import { seriesFromTrajectories } from '../src/domain/data/series';
import { prepareDataset, REFERENCE_SPLIT } from '../src/domain/data/splits';
import { evaluateScores } from '../src/domain/evaluation/metrics';
import { calibrateThreshold } from '../src/domain/evaluation/threshold';
import { describeSelection, selectBackend } from '../src/detectors/lstm-autoencoder/engine/backend';
import { reconstructionErrors } from '../src/detectors/lstm-autoencoder/engine/inference';
import { trainAutoencoder } from '../src/detectors/lstm-autoencoder/engine/parallel-training';
import { serialiseModel } from '../src/detectors/lstm-autoencoder/engine/serialisation';
import { resolveTrainingConfig } from '../src/detectors/lstm-autoencoder/engine/training-config';
import { InitialisationScheme } from '../src/detectors/lstm-autoencoder/engine/initialisation';
import { LstmBiasParameterisation } from '../src/detectors/lstm-autoencoder/engine/bias-parameterisation';
import { measureInferenceLatency } from './inference-latency';
import { defaultDataDir } from './data-dir';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string', default: '80' },
    threads: { type: 'string' },
    init: { type: 'string', default: 'pytorch' },
    bias: { type: 'string', default: 'pair' },
    validate: { type: 'boolean', default: false },
    data: { type: 'string' },
    out: { type: 'string' },
    'save-model': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB and covers all threads of the process
}

async function main(): Promise<void> {
  const seed = Number(args.seed);
  const dataDir = args.data ?? defaultDataDir();
  const preparationStart = performance.now();
  const files = readSubsetFiles(dataDir, 'FD001');
  const dataset = prepareDataset(seriesFromTrajectories(files.train), REFERENCE_SPLIT, { windowLength: 30, stride: 1 });
  const preparationMs = performance.now() - preparationStart;
  const features = dataset.sensors.length;
  console.log(
    `[data] ${dataDir}: ${dataset.counts.trainWindows} training, ${dataset.counts.calibrationWindows} calibration, ` +
      `${dataset.counts.testWindows} test windows (${dataset.counts.testAnomalous} anomalous), ${features} sensors, ` +
      `prepared in ${(preparationMs / 1000).toFixed(2)} s`,
  );

  const backend = await selectBackend({ log: (line) => console.log(`[backend] main thread ${line}`) });
  const config = resolveTrainingConfig({
    architecture: { features, windowLength: dataset.windowLength },
    epochs: Number(args.epochs),
    seed,
    initialisation: args.init as InitialisationScheme,
    lstmBias: args.bias as LstmBiasParameterisation,
  });
  const threads = args.threads === undefined ? undefined : Number(args.threads);
  console.log(
    `[train] epochs ${config.epochs}, batch ${config.batchSize}, lr ${config.learningRate} cosine, weight decay ` +
      `${config.weightDecay}, clip ${config.clipNorm}, init ${config.initialisation}, LSTM bias ${config.lstmBias}, seed ${seed}, ` +
      `${threads ?? 'default'} thread(s), ${os.availableParallelism()} cores`,
  );

  const trained = await trainAutoencoder({ train: dataset.train.x, validation: args.validate ? dataset.calibration.x : null }, config, {
    threads,
    onEpoch: (p) => {
      if (!args.quiet || p.epoch === 1 || p.epoch === p.epochs || p.epoch % 10 === 0) {
        const validation = p.validationLoss === null ? '' : ` val ${p.validationLoss.toFixed(5)}`;
        console.log(
          `[epoch ${String(p.epoch).padStart(3)}/${p.epochs}] loss ${p.loss.toFixed(5)}${validation} lr ${p.learningRate.toExponential(2)} ${(p.elapsedMs / 1000).toFixed(1)} s`,
        );
      }
    },
  });
  const trainSeconds = trained.elapsedMs / 1000;
  const epochs = trained.history.length;
  // Epoch 1 includes worker start-up (loading tfjs and the wasm module in each thread).
  const epochSeconds = trained.history.map((p, i) => (p.elapsedMs - (i === 0 ? 0 : trained.history[i - 1].elapsedMs)) / 1000);
  const steadyEpochSeconds =
    epochSeconds.length > 1 ? epochSeconds.slice(1).reduce((a, b) => a + b, 0) / (epochSeconds.length - 1) : epochSeconds[0];
  const windowsPerSecond = (dataset.counts.trainWindows * epochs) / trainSeconds;

  const scoringStart = performance.now();
  const calibrationScores = reconstructionErrors(trained.model, dataset.calibration.x, dataset.calibration.count).windowErrors;
  const testScores = reconstructionErrors(trained.model, dataset.test.x, dataset.test.count).windowErrors;
  const scoringMs = performance.now() - scoringStart;
  const threshold = calibrateThreshold(calibrationScores, 0.99);
  const evaluation = evaluateScores(dataset.testLabels!, testScores, threshold);
  const latency = measureInferenceLatency(trained.model, dataset.test.x, [256, 1024]);

  const summary = {
    benchmark: 'train',
    createdAt: new Date().toISOString(),
    machine: {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: os.totalmem() / 2 ** 30,
      node: process.version,
    },
    backend: { mainThread: backend.name, training: trained.backend, description: describeSelection(backend) },
    config: { ...trained.config, threads: trained.threads, validate: args.validate },
    counts: dataset.counts,
    training: {
      epochs,
      stopReason: trained.stopReason,
      totalSeconds: trainSeconds,
      secondsPerEpochMean: trainSeconds / epochs,
      secondsPerEpochSteady: steadyEpochSeconds,
      firstEpochSeconds: epochSeconds[0],
      windowsPerSecond,
      finalLoss: trained.history[epochs - 1].loss,
      finalValidationLoss: trained.history[epochs - 1].validationLoss,
      peakRssMb: peakRssMb(),
    },
    evaluation: {
      threshold,
      rocAuc: evaluation.rocAuc,
      prAuc: evaluation.prAuc,
      precision: evaluation.precision,
      recall: evaluation.recall,
      f1: evaluation.f1,
      accuracy: evaluation.accuracy,
      confusion: evaluation.confusion,
      scoringSecondsCalibrationAndTest: scoringMs / 1000,
    },
    inference: latency,
    history: trained.history,
  };

  if (args['save-model']) {
    const serialised = serialiseModel(trained.model);
    fs.writeFileSync(
      args['save-model'],
      JSON.stringify({
        ...serialised,
        weights: serialised.weights.toString('base64'),
        sensors: dataset.sensors,
        normalisation: dataset.normalisation,
      }),
    );
  }

  const out = args.out ?? path.resolve('results', `bench-train-seed${seed}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);

  const t = summary.training;
  const e = summary.evaluation;
  console.log(
    [
      '',
      `backend            ${trained.backend} (${trained.threads} training thread(s))`,
      `epochs             ${epochs} (${trained.stopReason})`,
      `training time      ${t.totalSeconds.toFixed(1)} s total, ${t.secondsPerEpochMean.toFixed(2)} s/epoch mean, ${t.secondsPerEpochSteady.toFixed(2)} s/epoch after the first`,
      `throughput         ${t.windowsPerSecond.toFixed(0)} training windows/s`,
      `final loss         ${t.finalLoss.toFixed(5)}`,
      `peak RSS           ${t.peakRssMb.toFixed(0)} MB`,
      `threshold (p99)    ${e.threshold.toFixed(5)}`,
      `ROC-AUC / PR-AUC   ${e.rocAuc?.toFixed(4)} / ${e.prAuc?.toFixed(4)}`,
      `precision / recall ${e.precision.toFixed(4)} / ${e.recall.toFixed(4)}, F1 ${e.f1.toFixed(4)}, accuracy ${e.accuracy.toFixed(4)}`,
      `confusion          tp ${e.confusion.tp} fp ${e.confusion.fp} tn ${e.confusion.tn} fn ${e.confusion.fn}`,
      `inference          1 window p50 ${latency.batch1P50Ms.toFixed(2)} ms (p99 ${latency.batch1P99Ms.toFixed(2)} ms); ` +
        latency.batches.map((b) => `${b.windows} windows ${b.medianMs.toFixed(1)} ms (${b.windowsPerSecond.toFixed(0)}/s)`).join('; '),
      `wrote              ${out}`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
