// Serialisation in the tfjs layers-model format: the tf.layers topology JSON, weight specs in layout
// order, and the weights as one little-endian float32 buffer. Any tfjs program can load the result
// (tf.loadLayersModel(tf.io.fromMemory(...))); we load it back into the fast path bit for bit.

import * as tf from '@tensorflow/tfjs';
import { AutoencoderArchitecture, AutoencoderModel, createModel, LAYER_NAMES, parameterLayout, validateArchitecture } from './architecture';
import { buildLayersModel } from './layers-model';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface SerialisedAutoencoder {
  /** tf.layers model JSON (LayersModel.toJSON(null, false)). */
  topology: Record<string, unknown>;
  /** One entry per weight, in the order of `weights`. */
  weightSpecs: WeightSpec[];
  /** All weights concatenated, float32 little-endian. */
  weights: Buffer;
}

export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

const topologies = new Map<string, Record<string, unknown>>();

/** The tf.layers topology of an architecture (built once per architecture; needs an active backend). */
export function layersTopology(architecture: AutoencoderArchitecture): Record<string, unknown> {
  const key = JSON.stringify(validateArchitecture(architecture));
  let topology = topologies.get(key);
  if (topology === undefined) {
    const model = buildLayersModel(architecture);
    try {
      topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
    } finally {
      model.dispose();
    }
    topologies.set(key, topology);
  }
  // A fresh copy per call (tfjs' loader mutates the topology it is given). JSON rather than
  // structuredClone: the latter may build the copy in another realm (e.g. under jest), where tfjs'
  // `instanceof Array` checks fail.
  return JSON.parse(JSON.stringify(topology)) as Record<string, unknown>;
}

export function serialiseModel(model: AutoencoderModel): SerialisedAutoencoder {
  const layout = parameterLayout(model.architecture);
  if (model.parameters.length !== layout.size) {
    throw new RangeError(`model has ${model.parameters.length} parameters, its architecture needs ${layout.size}`);
  }
  const weights = Buffer.alloc(layout.size * 4);
  for (let i = 0; i < layout.size; i++) weights.writeFloatLE(model.parameters[i], i * 4);
  return {
    topology: layersTopology(model.architecture),
    weightSpecs: layout.blocks.map((block) => ({ name: block.layersName, shape: [...block.shape], dtype: 'float32' })),
    weights,
  };
}

export function deserialiseModel(serialised: SerialisedAutoencoder): AutoencoderModel {
  const architecture = architectureFromTopology(serialised.topology);
  const layout = parameterLayout(architecture);
  const specs = serialised.weightSpecs;
  if (!Array.isArray(specs) || specs.length !== layout.blocks.length) {
    throw new ModelFormatError(`expected ${layout.blocks.length} weight specs, got ${Array.isArray(specs) ? specs.length : typeof specs}`);
  }
  layout.blocks.forEach((block, index) => {
    const spec = specs[index];
    if (spec?.name !== block.layersName || !Array.isArray(spec.shape) || spec.shape.join('x') !== block.shape.join('x')) {
      throw new ModelFormatError(`weight ${index} is ${spec?.name} [${spec?.shape}], expected ${block.layersName} [${block.shape}]`);
    }
    if (spec.dtype !== undefined && spec.dtype !== 'float32') throw new ModelFormatError(`weight ${spec.name} is not float32`);
  });
  const bytes = serialised.weights;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== layout.size * 4) {
    throw new ModelFormatError(`weights must be ${layout.size * 4} bytes, got ${bytes?.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parameters = new Float32Array(layout.size);
  for (let i = 0; i < layout.size; i++) parameters[i] = view.getFloat32(i * 4, true);
  return createModel(architecture, parameters);
}

interface LayerJson {
  class_name?: unknown;
  config?: Record<string, unknown>;
}

/** Reads the architecture back from the topology and checks it is the autoencoder's layer stack. */
export function architectureFromTopology(topology: Record<string, unknown>): AutoencoderArchitecture {
  const config = topology?.config as { layers?: unknown } | undefined;
  const layers = (topology?.class_name === 'Sequential' ? config?.layers : undefined) as LayerJson[] | undefined;
  const expected = [
    ['LSTM', LAYER_NAMES.encoder],
    ['Dense', LAYER_NAMES.bottleneck],
    ['RepeatVector', LAYER_NAMES.repeat],
    ['LSTM', LAYER_NAMES.decoder],
    ['TimeDistributed', LAYER_NAMES.reconstruction],
  ];
  if (!Array.isArray(layers) || layers.length !== expected.length) {
    throw new ModelFormatError('topology is not the LSTM autoencoder: expected a Sequential model of 5 layers');
  }
  expected.forEach(([className, name], index) => {
    if (layers[index]?.class_name !== className || layers[index]?.config?.name !== name) {
      throw new ModelFormatError(`layer ${index} should be ${className} "${name}"`);
    }
  });
  for (const lstm of [layers[0], layers[3]]) {
    if (lstm.config?.recurrent_activation !== 'sigmoid' || lstm.config?.activation !== 'tanh') {
      throw new ModelFormatError(`LSTM "${String(lstm.config?.name)}" must use tanh / sigmoid activations`);
    }
  }
  const inputShape = layers[0].config?.batch_input_shape as unknown[] | undefined;
  const inner = (layers[4].config?.layer as LayerJson | undefined)?.config;
  const architecture = {
    features: Number(inputShape?.[2]),
    windowLength: Number(inputShape?.[1]),
    hidden: Number(layers[0].config?.units),
    code: Number(layers[1].config?.units),
  };
  try {
    validateArchitecture(architecture);
  } catch (error) {
    throw new ModelFormatError(`topology sizes are invalid: ${(error as Error).message}`);
  }
  if (
    Number(layers[2].config?.n) !== architecture.windowLength ||
    Number(layers[3].config?.units) !== architecture.hidden ||
    Number(inner?.units) !== architecture.features
  ) {
    throw new ModelFormatError('topology layer sizes are inconsistent with each other');
  }
  return architecture;
}

/** A stock tf.layers model loaded from the serialised form through tfjs' own loader. Caller disposes. */
export async function loadLayersModel(serialised: SerialisedAutoencoder): Promise<tf.LayersModel> {
  const bytes = serialised.weights;
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      // A copy: tfjs' deserialiser deletes fields of the topology it reads.
      modelTopology: JSON.parse(JSON.stringify(serialised.topology)) as tf.io.ModelJSON['modelTopology'],
      weightSpecs: serialised.weightSpecs,
      weightData,
    }),
  );
}
