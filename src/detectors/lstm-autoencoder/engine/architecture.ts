// The LSTM autoencoder's shape and the layout of its parameters.
//
// One flat Float32Array holds every parameter. Its layout is the Keras/tf.layers weight order and shapes
// (kernel [in, 4H], recurrent kernel [H, 4H], one bias [4H], gate order i, f, c, o), so the same vector
// can be handed to a tf.layers model with setWeights, serialised as tfjs weight data, or updated in place
// by the optimiser and shared between worker threads without any conversion.

export interface AutoencoderArchitecture {
  /** Sensors per time step (14 on FD001 after dropping the near-constant sensors). */
  features: number;
  /** Time steps per window (30 cycles). */
  windowLength: number;
  /** LSTM state size of both encoder and decoder (64). */
  hidden: number;
  /** Bottleneck size: the code that is repeated over the window and decoded (16). */
  code: number;
}

/** The reference configuration of ../shared/anchors/reference_lstm_ae.py. */
export const REFERENCE_ARCHITECTURE: Readonly<AutoencoderArchitecture> = Object.freeze({
  features: 14,
  windowLength: 30,
  hidden: 64,
  code: 16,
});

/** Layer names of the tf.layers equivalent; weight names are `<layer>/<weight>` like in Keras. */
export const LAYER_NAMES = {
  encoder: 'encoder',
  bottleneck: 'bottleneck',
  repeat: 'repeat_code',
  decoder: 'decoder',
  reconstruction: 'reconstruction',
} as const;

export type ParameterName =
  | 'encoderKernel'
  | 'encoderRecurrentKernel'
  | 'encoderBias'
  | 'bottleneckKernel'
  | 'bottleneckBias'
  | 'decoderKernel'
  | 'decoderRecurrentKernel'
  | 'decoderBias'
  | 'outputKernel'
  | 'outputBias';

export interface ParameterBlock {
  name: ParameterName;
  /** The tf.layers weight name (also used in serialised weight specs). */
  layersName: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface ParameterLayout {
  blocks: readonly ParameterBlock[];
  byName: Readonly<Record<ParameterName, ParameterBlock>>;
  /** Total number of scalars (42,910 for the reference architecture). */
  size: number;
}

const MAX_DIMENSION = 4096;

/** Throws a descriptive error unless every size is a positive integer of sane magnitude. */
export function validateArchitecture(architecture: AutoencoderArchitecture): AutoencoderArchitecture {
  if (architecture === null || typeof architecture !== 'object') {
    throw new TypeError('architecture must be an object { features, windowLength, hidden, code }');
  }
  for (const key of ['features', 'windowLength', 'hidden', 'code'] as const) {
    const value = architecture[key];
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
      throw new RangeError(`architecture.${key} must be an integer in [1, ${MAX_DIMENSION}], got ${String(value)}`);
    }
  }
  return architecture;
}

export function sameArchitecture(a: AutoencoderArchitecture, b: AutoencoderArchitecture): boolean {
  return a.features === b.features && a.windowLength === b.windowLength && a.hidden === b.hidden && a.code === b.code;
}

/** Scalars in one window (windowLength x features). */
export function windowSize(architecture: AutoencoderArchitecture): number {
  return architecture.windowLength * architecture.features;
}

export function parameterLayout(architecture: AutoencoderArchitecture): ParameterLayout {
  const { features: F, hidden: H, code: C } = validateArchitecture(architecture);
  const G = 4 * H;
  const { encoder, bottleneck, decoder, reconstruction } = LAYER_NAMES;
  const specs: Array<[ParameterName, string, number[]]> = [
    ['encoderKernel', `${encoder}/kernel`, [F, G]],
    ['encoderRecurrentKernel', `${encoder}/recurrent_kernel`, [H, G]],
    ['encoderBias', `${encoder}/bias`, [G]],
    ['bottleneckKernel', `${bottleneck}/kernel`, [H, C]],
    ['bottleneckBias', `${bottleneck}/bias`, [C]],
    ['decoderKernel', `${decoder}/kernel`, [C, G]],
    ['decoderRecurrentKernel', `${decoder}/recurrent_kernel`, [H, G]],
    ['decoderBias', `${decoder}/bias`, [G]],
    ['outputKernel', `${reconstruction}/kernel`, [H, F]],
    ['outputBias', `${reconstruction}/bias`, [F]],
  ];
  let offset = 0;
  const blocks = specs.map(([name, layersName, shape]) => {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const block: ParameterBlock = { name, layersName, shape, offset, size };
    offset += size;
    return block;
  });
  const byName = Object.fromEntries(blocks.map((block) => [block.name, block])) as Record<ParameterName, ParameterBlock>;
  return { blocks, byName, size: offset };
}

export function parameterCount(architecture: AutoencoderArchitecture): number {
  return parameterLayout(architecture).size;
}

/** Typed views into a flat parameter (or gradient) vector, one per block, sharing its memory. */
export type ParameterViews = Record<ParameterName, Float32Array>;

export function parameterViews(layout: ParameterLayout, flat: Float32Array): ParameterViews {
  if (flat.length !== layout.size) {
    throw new RangeError(`parameter vector has ${flat.length} values, the architecture needs ${layout.size}`);
  }
  const views = {} as ParameterViews;
  for (const block of layout.blocks) views[block.name] = flat.subarray(block.offset, block.offset + block.size);
  return views;
}

/** A trained (or freshly initialised) autoencoder: its shape and its parameters in the layout above. */
export interface AutoencoderModel {
  architecture: AutoencoderArchitecture;
  parameters: Float32Array;
}

export function createModel(architecture: AutoencoderArchitecture, parameters: Float32Array): AutoencoderModel {
  const layout = parameterLayout(architecture);
  if (parameters.length !== layout.size) {
    throw new RangeError(`parameter vector has ${parameters.length} values, the architecture needs ${layout.size}`);
  }
  return { architecture: { ...architecture }, parameters };
}
