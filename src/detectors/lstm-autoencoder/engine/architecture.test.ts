// Parameter layout, initialisation and backend selection.

import * as tf from '@tensorflow/tfjs';
import { parameterCount, parameterLayout, parameterViews, REFERENCE_ARCHITECTURE, validateArchitecture } from './architecture';
import { activeBackendName, describeSelection, selectBackend } from './backend';
import { initialiseModel } from './initialisation';
import { buildLayersModel } from './layers-model';
import { TINY, useBackend } from './test-helpers';

describe('parameter layout', () => {
  test('has the 42,910 parameters of the tf.layers reference model', () => {
    expect(parameterCount(REFERENCE_ARCHITECTURE)).toBe(42910);
  });

  test('matches the tf.layers model weight by weight (names, shapes, order)', async () => {
    await useBackend('cpu');
    const model = buildLayersModel(TINY);
    const layout = parameterLayout(TINY);
    expect(model.weights.map((weight) => [weight.originalName, weight.shape])).toEqual(
      layout.blocks.map((block) => [block.layersName, block.shape]),
    );
    expect(model.countParams()).toBe(layout.size);
    model.dispose();
  });

  test('blocks tile the flat vector and views share its memory', () => {
    const layout = parameterLayout(TINY);
    let offset = 0;
    for (const block of layout.blocks) {
      expect(block.offset).toBe(offset);
      offset += block.size;
    }
    expect(offset).toBe(layout.size);
    const flat = new Float32Array(layout.size);
    parameterViews(layout, flat).decoderBias[2] = 7;
    expect(flat[layout.byName.decoderBias.offset + 2]).toBe(7);
  });

  test('rejects nonsense sizes', () => {
    expect(() => validateArchitecture({ ...TINY, hidden: 0 })).toThrow(/hidden/);
    expect(() => validateArchitecture({ ...TINY, features: 1.5 })).toThrow(/features/);
  });
});

describe('initialisation', () => {
  test('is deterministic per seed', () => {
    const a = initialiseModel(TINY, 'pytorch', 1).parameters;
    expect(initialiseModel(TINY, 'pytorch', 1).parameters).toEqual(a);
    expect(initialiseModel(TINY, 'pytorch', 2).parameters).not.toEqual(a);
  });

  test('pytorch: uniform within 1/sqrt(H) (biases: sum of two such uniforms)', () => {
    const { parameters } = initialiseModel(REFERENCE_ARCHITECTURE, 'pytorch', 3);
    const p = parameterViews(parameterLayout(REFERENCE_ARCHITECTURE), parameters);
    const bound = 1 / Math.sqrt(REFERENCE_ARCHITECTURE.hidden);
    const maxOf = (values: Float32Array) => values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    for (const values of [
      p.encoderKernel,
      p.encoderRecurrentKernel,
      p.decoderKernel,
      p.decoderRecurrentKernel,
      p.bottleneckKernel,
      p.outputKernel,
    ]) {
      expect(maxOf(values)).toBeLessThanOrEqual(bound);
      expect(maxOf(values)).toBeGreaterThan(0.95 * bound);
    }
    expect(maxOf(p.encoderBias)).toBeLessThanOrEqual(2 * bound);
    expect(maxOf(p.encoderBias)).toBeGreaterThan(bound);
  });

  test('keras: orthonormal recurrent rows, forget-gate bias 1, other biases 0', () => {
    const { hidden: H } = REFERENCE_ARCHITECTURE;
    const { parameters } = initialiseModel(REFERENCE_ARCHITECTURE, 'keras', 4);
    const p = parameterViews(parameterLayout(REFERENCE_ARCHITECTURE), parameters);
    const U = p.decoderRecurrentKernel; // [H, 4H]
    for (const [r, s] of [
      [0, 0],
      [0, 1],
      [5, 5],
      [17, 40],
      [63, 63],
    ]) {
      let dot = 0;
      for (let c = 0; c < 4 * H; c++) dot += U[r * 4 * H + c] * U[s * 4 * H + c];
      expect(dot).toBeCloseTo(r === s ? 1 : 0, 5);
    }
    expect(Array.from(p.encoderBias.subarray(H, 2 * H)).every((value) => value === 1)).toBe(true);
    expect(Array.from(p.encoderBias.subarray(0, H)).every((value) => value === 0)).toBe(true);
    expect(Array.from(p.outputBias).every((value) => value === 0)).toBe(true);
  });
});

describe('backend selection', () => {
  test('picks a backend once, reports and logs it', async () => {
    const lines: string[] = [];
    const first = await selectBackend({ log: (line) => lines.push(line) });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(first.name);
    expect(activeBackendName()).toBe(first.name);
    expect(lines).toEqual([describeSelection(first)]);
    if (first.name === 'wasm') expect(first.fixes).toEqual(['transposed-matmul', 'in-place-slice']);
    // tfjs-node is optional: when it is absent, the reason is reported.
    if (first.name !== 'tensorflow') expect(first.skipped[0]).toMatchObject({ name: 'tensorflow' });
    // Idempotent: the same selection, whatever is asked later.
    const second = await selectBackend({ preference: ['cpu'] });
    expect(second).toBe(first);
    expect(tf.getBackend()).toBe(first.name);
  });
});
