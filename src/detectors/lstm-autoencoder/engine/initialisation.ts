// Weight initialisation, seeded and backend-independent (plain JS, see ./random.ts).
//
// 'pytorch' reproduces the reference's torch defaults:
//   - nn.LSTM: every weight and both biases ~ U(-1/sqrt(H), 1/sqrt(H)). tf.layers has one bias per gate
//     set where PyTorch has two (bias_ih + bias_hh), so our single bias is the sum of two such uniforms:
//     the same distribution as PyTorch's effective bias (and the parts are kept for training).
//   - nn.Linear: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)).
// 'keras' reproduces Keras' defaults: glorot-uniform kernels, orthogonal recurrent kernels, zero biases
// with the LSTM forget-gate bias at 1 (unit_forget_bias).
//
// Which one trains better on FD001 was measured with bench/train.ts (see the report in docs); the default
// is 'pytorch', the reference's.

import { AutoencoderArchitecture, createModel, AutoencoderModel, parameterLayout, parameterViews } from './architecture';
import { createRandom, RandomSource, standardNormal, uniform } from './random';

export type InitialisationScheme = 'pytorch' | 'keras';
export const INITIALISATION_SCHEMES: readonly InitialisationScheme[] = ['pytorch', 'keras'];

function fillUniform(target: Float32Array, random: RandomSource, bound: number): void {
  for (let i = 0; i < target.length; i++) target[i] = uniform(random, -bound, bound);
}

function fillGlorotUniform(target: Float32Array, random: RandomSource, fanIn: number, fanOut: number): void {
  fillUniform(target, random, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * Orthogonal [rows, cols] matrix (row-major) like Keras' Orthogonal initialiser: QR (here modified
 * Gram-Schmidt) of a standard normal matrix, with the sign correction that makes the distribution uniform.
 */
function fillOrthogonal(target: Float32Array, random: RandomSource, rows: number, cols: number): void {
  // Orthonormalise the longer side: vectors of length `long`, `short` of them.
  const long = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  const vectors: Float64Array[] = [];
  for (let k = 0; k < short; k++) {
    const v = new Float64Array(long);
    for (let i = 0; i < long; i++) v[i] = standardNormal(random);
    const originalNorm = Math.hypot(...v);
    for (const q of vectors) {
      let dot = 0;
      for (let i = 0; i < long; i++) dot += q[i] * v[i];
      for (let i = 0; i < long; i++) v[i] -= dot * q[i];
    }
    const norm = Math.hypot(...v);
    // R's diagonal is positive here by construction, so no extra sign flip is needed.
    if (!(norm > 1e-12 * originalNorm)) throw new Error('orthogonal initialisation hit a degenerate draw');
    for (let i = 0; i < long; i++) v[i] /= norm;
    vectors.push(v);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: column c is vector c; rows < cols: row r is vector r.
      target[r * cols + c] = rows >= cols ? vectors[c][r] : vectors[r][c];
    }
  }
}

/**
 * PyTorch's LSTM has two bias vectors (input-hidden and hidden-hidden) whose sum is the one bias of the
 * tf.layers cell. Training can keep them apart to update them like PyTorch does (see
 * ./bias-parameterisation.ts), so initialisation reports the two parts.
 */
export interface LstmBiasParts {
  input: Float32Array;
  recurrent: Float32Array;
}

export interface InitialState {
  model: AutoencoderModel;
  /** The parts of encoder and decoder biases: model bias = input + recurrent (in float32). */
  biasParts: { encoder: LstmBiasParts; decoder: LstmBiasParts };
}

/** A freshly initialised model, identical for identical (architecture, scheme, seed). */
export function initialiseModel(
  architecture: AutoencoderArchitecture,
  scheme: InitialisationScheme,
  seed: number | string,
): AutoencoderModel {
  return initialState(architecture, scheme, seed).model;
}

/** The initial model together with the parts of its LSTM biases. */
export function initialState(architecture: AutoencoderArchitecture, scheme: InitialisationScheme, seed: number | string): InitialState {
  const layout = parameterLayout(architecture);
  const parameters = new Float32Array(layout.size);
  const p = parameterViews(layout, parameters);
  const random = createRandom(`${String(seed)}/initialisation/${scheme}`);
  const { features: F, hidden: H, code: C } = architecture;
  const G = 4 * H;
  const parts = () => ({ input: new Float32Array(G), recurrent: new Float32Array(G) });
  const biasParts = { encoder: parts(), decoder: parts() };

  if (scheme === 'pytorch') {
    const lstmBound = 1 / Math.sqrt(H);
    for (const [kernel, recurrent, bias, part] of [
      [p.encoderKernel, p.encoderRecurrentKernel, p.encoderBias, biasParts.encoder],
      [p.decoderKernel, p.decoderRecurrentKernel, p.decoderBias, biasParts.decoder],
    ] as const) {
      fillUniform(kernel, random, lstmBound);
      fillUniform(recurrent, random, lstmBound);
      for (let i = 0; i < bias.length; i++) {
        part.input[i] = uniform(random, -lstmBound, lstmBound);
        part.recurrent[i] = uniform(random, -lstmBound, lstmBound);
        bias[i] = part.input[i] + part.recurrent[i];
      }
    }
    fillUniform(p.bottleneckKernel, random, 1 / Math.sqrt(H));
    fillUniform(p.bottleneckBias, random, 1 / Math.sqrt(H));
    fillUniform(p.outputKernel, random, 1 / Math.sqrt(H));
    fillUniform(p.outputBias, random, 1 / Math.sqrt(H));
  } else if (scheme === 'keras') {
    fillGlorotUniform(p.encoderKernel, random, F, G);
    fillOrthogonal(p.encoderRecurrentKernel, random, H, G);
    fillGlorotUniform(p.decoderKernel, random, C, G);
    fillOrthogonal(p.decoderRecurrentKernel, random, H, G);
    for (const [bias, part] of [
      [p.encoderBias, biasParts.encoder],
      [p.decoderBias, biasParts.decoder],
    ] as const) {
      bias.fill(0);
      bias.fill(1, H, 2 * H); // forget gate: remember by default (Keras unit_forget_bias)
      part.input.set(bias); // one bias: all of it in the input part
    }
    fillGlorotUniform(p.bottleneckKernel, random, H, C);
    p.bottleneckBias.fill(0);
    fillGlorotUniform(p.outputKernel, random, H, F);
    p.outputBias.fill(0);
  } else {
    throw new RangeError(`unknown initialisation scheme ${String(scheme)}; expected one of ${INITIALISATION_SCHEMES.join(', ')}`);
  }
  return { model: createModel(architecture, parameters), biasParts };
}
