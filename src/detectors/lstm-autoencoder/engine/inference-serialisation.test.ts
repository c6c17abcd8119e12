// Scoring (reconstruction errors) and the save -> load round trip, including export to stock tf.layers.

import * as tf from '@tensorflow/tfjs';
import { AutoencoderModel, parameterLayout } from './architecture';
import { RECENT_RESIDUAL_STEPS, reconstructionErrors, releaseCachedWeights } from './inference';
import { initialiseModel } from './initialisation';
import { trainInProcess } from './in-process-training';
import { architectureFromTopology, deserialiseModel, loadLayersModel, ModelFormatError, serialiseModel } from './serialisation';
import { maxAbs, maxAbsDifference, syntheticWindows, TINY, useBackend } from './test-helpers';

const windows = syntheticWindows(TINY, 9, 7);
const COUNT = 9;
const { windowLength: T, features: F } = TINY;

let trained: AutoencoderModel;

beforeAll(async () => {
  await useBackend('wasm');
  trained = (await trainInProcess({ train: syntheticWindows(TINY, 32, 8) }, { architecture: TINY, epochs: 3, batchSize: 8, seed: 1 }))
    .model;
});

function bits(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

async function layersPrediction(model: tf.LayersModel, x: Float32Array, count: number): Promise<Float32Array> {
  const input = tf.tensor3d(x.slice(0, count * T * F), [count, T, F]);
  const output = model.predict(input) as tf.Tensor;
  const values = (await output.data()) as Float32Array;
  tf.dispose([input, output]);
  return values;
}

describe('reconstructionErrors', () => {
  test('per-window and per-sensor mean squared errors match the tf.layers reconstruction', async () => {
    const { windowErrors, sensorErrors } = reconstructionErrors(trained, windows, COUNT);
    const exported = await loadLayersModel(serialiseModel(trained));
    const reconstruction = await layersPrediction(exported, windows, COUNT);
    exported.dispose();
    for (let n = 0; n < COUNT; n++) {
      let windowSum = 0;
      for (let k = 0; k < F; k++) {
        let sensorSum = 0;
        for (let t = 0; t < T; t++) {
          const i = (n * T + t) * F + k;
          sensorSum += (reconstruction[i] - windows[i]) ** 2;
        }
        windowSum += sensorSum;
        expect(sensorErrors[n * F + k]).toBeCloseTo(sensorSum / T, 5);
      }
      expect(windowErrors[n]).toBeCloseTo(windowSum / (T * F), 5);
    }
  });

  test('signed residuals (input minus reconstruction) and input summaries, per sensor over the window and its last steps', async () => {
    // A window longer than RECENT_RESIDUAL_STEPS, so that the recent mean covers only its end.
    const long = { ...TINY, windowLength: RECENT_RESIDUAL_STEPS + 3 };
    const model = initialiseModel(long, 'pytorch', 3);
    const x = syntheticWindows(long, 4, 5);
    const L = long.windowLength;
    const errors = reconstructionErrors(model, x, 4, { chunkSize: 3 });
    expect(errors.recentSteps).toBe(RECENT_RESIDUAL_STEPS);
    const exported = await loadLayersModel(serialiseModel(model));
    const input = tf.tensor3d(x, [4, L, F]);
    const output = exported.predict(input) as tf.Tensor;
    const reconstruction = (await output.data()) as Float32Array;
    tf.dispose([input, output]);
    exported.dispose();
    for (let n = 0; n < 4; n++) {
      for (let k = 0; k < F; k++) {
        const residuals = Array.from({ length: L }, (_, t) => x[(n * L + t) * F + k] - reconstruction[(n * L + t) * F + k]);
        const whole = residuals.reduce((a, b) => a + b, 0);
        const recent = residuals.slice(L - RECENT_RESIDUAL_STEPS).reduce((a, b) => a + b, 0);
        expect(errors.windowResiduals[n * F + k]).toBeCloseTo(whole / L, 5);
        expect(errors.recentResiduals[n * F + k]).toBeCloseTo(recent / RECENT_RESIDUAL_STEPS, 5);
        // least-squares slope of the residual against the step
        const mean = whole / L;
        const middle = (L - 1) / 2;
        let covariance = 0;
        let variance = 0;
        residuals.forEach((residual, t) => {
          covariance += (t - middle) * (residual - mean);
          variance += (t - middle) ** 2;
        });
        expect(errors.residualSlopes[n * F + k]).toBeCloseTo(covariance / variance, 5);
        // the window's own readings: recent mean, least-squares slope, standard deviation
        const readings = Array.from({ length: L }, (_, t) => x[(n * L + t) * F + k]);
        const readingMean = readings.reduce((sum, value) => sum + value, 0) / L;
        const recentReadings = readings.slice(L - RECENT_RESIDUAL_STEPS).reduce((sum, value) => sum + value, 0);
        expect(errors.recentInputs[n * F + k]).toBeCloseTo(recentReadings / RECENT_RESIDUAL_STEPS, 5);
        const readingCovariance = readings.reduce((sum, value, t) => sum + (t - middle) * (value - readingMean), 0);
        expect(errors.inputSlopes[n * F + k]).toBeCloseTo(readingCovariance / variance, 5);
        const readingVariance = readings.reduce((sum, value) => sum + (value - readingMean) ** 2, 0) / L;
        expect(errors.inputDeviations[n * F + k]).toBeCloseTo(Math.sqrt(readingVariance), 5);
      }
    }
    // A window shorter than that averages all its steps twice over.
    const short = reconstructionErrors(trained, windows, COUNT);
    expect(short.recentSteps).toBe(T);
    expect(Array.from(short.recentResiduals)).toEqual(
      Array.from(short.windowResiduals).map((value) => expect.closeTo(value, 6) as unknown as number),
    );
  });

  test('a window scores the same alone, in any chunk and in any batch', () => {
    const all = reconstructionErrors(trained, windows, COUNT);
    for (const chunkSize of [1, 2, 4, 100]) {
      const chunked = reconstructionErrors(trained, windows, COUNT, { chunkSize });
      expect(bits(chunked.windowErrors).equals(bits(all.windowErrors))).toBe(true);
      expect(bits(chunked.sensorErrors).equals(bits(all.sensorErrors))).toBe(true);
      expect(bits(chunked.recentResiduals).equals(bits(all.recentResiduals))).toBe(true);
      expect(bits(chunked.residualSlopes).equals(bits(all.residualSlopes))).toBe(true);
      expect(bits(chunked.inputDeviations).equals(bits(all.inputDeviations))).toBe(true);
    }
    const fourth = reconstructionErrors(trained, windows.subarray(3 * T * F), 1);
    expect(fourth.windowErrors[0]).toBe(all.windowErrors[3]);
  });

  test('weights kept under a cache key give the same bits, and another model under that key is prepared afresh', () => {
    const uncached = reconstructionErrors(trained, windows, COUNT);
    for (let call = 0; call < 2; call++) {
      const cached = reconstructionErrors(trained, windows, COUNT, { cacheKey: 'test-model' });
      expect(bits(cached.windowErrors).equals(bits(uncached.windowErrors))).toBe(true);
      expect(bits(cached.recentResiduals).equals(bits(uncached.recentResiduals))).toBe(true);
    }
    const other = initialiseModel(TINY, 'pytorch', 99);
    const otherUncached = reconstructionErrors(other, windows, COUNT);
    const otherCached = reconstructionErrors(other, windows, COUNT, { cacheKey: 'test-model' });
    expect(bits(otherCached.windowErrors).equals(bits(otherUncached.windowErrors))).toBe(true);
    expect(bits(otherCached.windowErrors).equals(bits(uncached.windowErrors))).toBe(false);
    releaseCachedWeights('test-model');
    releaseCachedWeights('never-used'); // unknown keys are ignored
  });

  test('window error is the mean of the sensor errors', () => {
    const { windowErrors, sensorErrors } = reconstructionErrors(trained, windows);
    expect(windowErrors.length).toBe(COUNT);
    for (let n = 0; n < COUNT; n++) {
      const mean = sensorErrors.subarray(n * F, (n + 1) * F).reduce((sum, value) => sum + value, 0) / F;
      expect(windowErrors[n]).toBeCloseTo(mean, 6);
    }
  });

  test('validates its inputs and accepts zero windows', () => {
    expect(reconstructionErrors(trained, windows, 0).windowErrors.length).toBe(0);
    expect(() => reconstructionErrors(trained, windows, COUNT + 1)).toThrow(/values/);
    expect(() => reconstructionErrors({ ...trained, parameters: trained.parameters.subarray(1) }, windows)).toThrow(/parameters/);
  });
});

describe('serialisation', () => {
  test('round trip: same parameters bit for bit and identical scores', () => {
    const serialised = serialiseModel(trained);
    expect(serialised.weights.byteLength).toBe(parameterLayout(TINY).size * 4);
    expect(serialised.weightSpecs.map((spec) => spec.name)).toEqual(parameterLayout(TINY).blocks.map((block) => block.layersName));
    // Through JSON and back, as a database row would store it.
    const stored = JSON.parse(JSON.stringify({ ...serialised, weights: serialised.weights.toString('base64') }));
    const loaded = deserialiseModel({ ...stored, weights: Buffer.from(stored.weights, 'base64') });
    expect(loaded.architecture).toEqual(TINY);
    expect(bits(loaded.parameters).equals(bits(trained.parameters))).toBe(true);
    const before = reconstructionErrors(trained, windows, COUNT);
    const after = reconstructionErrors(loaded, windows, COUNT);
    expect(bits(after.windowErrors).equals(bits(before.windowErrors))).toBe(true);
    expect(bits(after.sensorErrors).equals(bits(before.sensorErrors))).toBe(true);
  });

  test('weights are float32 little-endian in layout order', () => {
    const serialised = serialiseModel(trained);
    expect(serialised.weights.readFloatLE(0)).toBe(trained.parameters[0]);
    const last = trained.parameters.length - 1;
    expect(serialised.weights.readFloatLE(last * 4)).toBe(trained.parameters[last]);
  });

  test('exports a stock tf.layers model whose predictions equal the fast path', async () => {
    const model = await loadLayersModel(serialiseModel(trained));
    expect(model.layers.map((layer) => layer.name)).toEqual(['encoder', 'bottleneck', 'repeat_code', 'decoder', 'reconstruction']);
    const prediction = await layersPrediction(model, windows, COUNT);
    model.dispose();
    // Reconstruct through the fast path: x - error is not available, so compare the scores' inputs
    // by rebuilding the tf.layers model from the parameters the other way round.
    const fromFast = reconstructionErrors(trained, windows, COUNT).windowErrors;
    const fromLayers = new Float32Array(COUNT);
    for (let n = 0; n < COUNT; n++) {
      let sum = 0;
      for (let i = n * T * F; i < (n + 1) * T * F; i++) sum += (prediction[i] - windows[i]) ** 2;
      fromLayers[n] = sum / (T * F);
    }
    expect(maxAbsDifference(fromLayers, fromFast)).toBeLessThan(1e-5 * Math.max(1, maxAbs(fromFast)));
  });

  test('the topology describes the architecture', () => {
    const architecture = { features: 5, windowLength: 9, hidden: 6, code: 3 };
    expect(architectureFromTopology(serialiseModel(initialiseModel(architecture, 'keras', 1)).topology)).toEqual(architecture);
  });

  test('rejects tampered data', () => {
    const serialised = serialiseModel(trained);
    expect(() => deserialiseModel({ ...serialised, weights: serialised.weights.subarray(4) })).toThrow(ModelFormatError);
    const specs = serialised.weightSpecs.map((spec) => ({ ...spec }));
    specs[1].shape = [1, 2];
    expect(() => deserialiseModel({ ...serialised, weightSpecs: specs })).toThrow(/weight 1/);
    const topology = JSON.parse(JSON.stringify(serialised.topology));
    topology.config.layers[0].config.recurrent_activation = 'hard_sigmoid';
    expect(() => deserialiseModel({ ...serialised, topology })).toThrow(/sigmoid/);
    expect(() => deserialiseModel({ ...serialised, topology: { class_name: 'Functional' } })).toThrow(ModelFormatError);
  });
});
