// Adam (PyTorch weight_decay semantics), gradient clipping and the cosine schedule on hand-computed cases.

import { Adam, clipGradientNorm, cosineLearningRate } from './optimiser';

const SETTINGS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

describe('Adam', () => {
  test('first step moves every parameter by lr against the sign of its gradient', () => {
    // m1 = 0.1 g, v1 = 0.001 g^2; bias-corrected m/sqrt(v) = g / |g| (up to eps).
    const parameters = new Float32Array([1, -2, 0.5]);
    const adam = new Adam(3, SETTINGS);
    adam.step(parameters, new Float32Array([0.3, -4, 1e-3]), 0.01);
    expect(parameters[0]).toBeCloseTo(1 - 0.01, 6);
    expect(parameters[1]).toBeCloseTo(-2 + 0.01, 6);
    expect(parameters[2]).toBeCloseTo(0.5 - 0.01 * (1e-3 / (1e-3 + 1e-8)), 6);
  });

  test('second step follows the bias-corrected moment formulas', () => {
    const lr = 0.1;
    const [g1, g2] = [2, -1];
    const parameters = new Float32Array([0]);
    const adam = new Adam(1, SETTINGS);
    adam.step(parameters, new Float32Array([g1]), lr);
    adam.step(parameters, new Float32Array([g2]), lr);
    const m = 0.9 * (0.1 * g1) + 0.1 * g2;
    const v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
    const mHat = m / (1 - 0.9 ** 2);
    const vHat = v / (1 - 0.999 ** 2);
    const expected = -lr - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
    expect(parameters[0]).toBeCloseTo(expected, 6);
    expect(adam.stepCount).toBe(2);
  });

  test('weight decay is L2 added to the gradient (PyTorch Adam), not decoupled (AdamW)', () => {
    // With a zero gradient the decay term alone is the gradient: Adam normalises it, so the first step
    // is a full lr step towards zero. AdamW would move by lr * wd * theta = 2e-6 instead.
    const parameters = new Float32Array([2, -3]);
    const adam = new Adam(2, { ...SETTINGS, weightDecay: 1e-3 });
    adam.step(parameters, new Float32Array([0, 0]), 0.01);
    expect(parameters[0]).toBeCloseTo(2 - 0.01, 5);
    expect(parameters[1]).toBeCloseTo(-3 + 0.01, 5);
  });

  test('the gradient array is left unchanged', () => {
    const gradient = new Float32Array([1, 2]);
    new Adam(2, { ...SETTINGS, weightDecay: 0.1 }).step(new Float32Array([1, 1]), gradient, 0.1);
    expect(Array.from(gradient)).toEqual([1, 2]);
  });
});

describe('clipGradientNorm', () => {
  test('scales a gradient above the threshold to norm maxNorm / (norm + 1e-6) * norm', () => {
    const gradient = new Float32Array([3, 4]); // norm 5
    const norm = clipGradientNorm(gradient, 1);
    expect(norm).toBe(5);
    const coefficient = 1 / (5 + 1e-6);
    expect(gradient[0]).toBeCloseTo(3 * coefficient, 7);
    expect(gradient[1]).toBeCloseTo(4 * coefficient, 7);
  });

  test('leaves a gradient below the threshold untouched', () => {
    const gradient = new Float32Array([0.3, 0.4]);
    expect(clipGradientNorm(gradient, 1)).toBeCloseTo(0.5, 7);
    expect(Array.from(gradient)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
});

describe('cosineLearningRate', () => {
  test('starts at the initial rate, halves at mid-training and approaches the minimum', () => {
    expect(cosineLearningRate(2e-3, 0, 0, 80)).toBe(2e-3);
    expect(cosineLearningRate(2e-3, 0, 40, 80)).toBeCloseTo(1e-3, 15);
    expect(cosineLearningRate(2e-3, 0, 80, 80)).toBeCloseTo(0, 15);
    expect(cosineLearningRate(1, 0.5, 2, 4)).toBeCloseTo(0.75, 15);
    // Last epoch of 80 (PyTorch: 0.5 * lr * (1 + cos(pi * 79 / 80))).
    expect(cosineLearningRate(2e-3, 0, 79, 80)).toBeCloseTo(0.5 * 2e-3 * (1 + Math.cos((Math.PI * 79) / 80)), 15);
  });
});
