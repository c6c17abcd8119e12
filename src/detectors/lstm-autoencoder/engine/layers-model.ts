// The tf.layers equivalent of the autoencoder: used for export (a model any tfjs program can load) and as
// the test oracle for the hand-written forward and backward passes. Not used for training: tf.layers LSTM
// training is several times slower than the fused passes in ./forward-pass.ts and ./backward-pass.ts.

import * as tf from '@tensorflow/tfjs';
import { AutoencoderArchitecture, AutoencoderModel, LAYER_NAMES, parameterLayout, validateArchitecture } from './architecture';

/**
 * Builds the untrained tf.layers model: LSTM encoder keeping its last state, dense bottleneck, the code
 * repeated over the window, LSTM decoder returning sequences and a per-step dense reconstruction. The
 * recurrent activation is the logistic sigmoid (PyTorch semantics; tf.layers defaults to hardSigmoid).
 */
export function buildLayersModel(architecture: AutoencoderArchitecture): tf.Sequential {
  const { features, windowLength, hidden, code } = validateArchitecture(architecture);
  // Weights always come from our parameter vector (see ./initialisation.ts for how they start). The
  // layers' own initialisers run once at construction and are overwritten, so use the cheapest: the
  // default orthogonal recurrent initialiser runs a QR decomposition and warns on the console.
  const initialisers = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const model = tf.sequential({ name: 'lstm_autoencoder' });
  model.add(
    tf.layers.lstm({
      name: LAYER_NAMES.encoder,
      units: hidden,
      inputShape: [windowLength, features],
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: false,
      ...initialisers,
    }),
  );
  model.add(tf.layers.dense({ name: LAYER_NAMES.bottleneck, units: code, kernelInitializer: 'zeros' }));
  model.add(tf.layers.repeatVector({ name: LAYER_NAMES.repeat, n: windowLength }));
  model.add(
    tf.layers.lstm({
      name: LAYER_NAMES.decoder,
      units: hidden,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      ...initialisers,
    }),
  );
  model.add(
    tf.layers.timeDistributed({
      name: LAYER_NAMES.reconstruction,
      layer: tf.layers.dense({ name: `${LAYER_NAMES.reconstruction}_dense`, units: features, kernelInitializer: 'zeros' }),
    }),
  );
  return model;
}

/** Copies a flat parameter vector into a tf.layers model built by buildLayersModel (same weight order). */
export function setLayersModelWeights(layersModel: tf.LayersModel, model: AutoencoderModel): void {
  const layout = parameterLayout(model.architecture);
  const weights = layersModel.weights;
  if (weights.length !== layout.blocks.length) {
    throw new Error(`tf.layers model has ${weights.length} weights, expected ${layout.blocks.length}`);
  }
  const tensors = layout.blocks.map((block, index) => {
    const expected = weights[index].shape.join('x');
    if (expected !== block.shape.join('x')) {
      throw new Error(
        `weight ${index} (${block.layersName}) has shape ${expected} in the tf.layers model, expected ${block.shape.join('x')}`,
      );
    }
    // slice(): the cpu backend keeps a reference to the array it is given; the model must own its values.
    return tf.tensor(model.parameters.slice(block.offset, block.offset + block.size), block.shape, 'float32');
  });
  layersModel.setWeights(tensors);
  tf.dispose(tensors);
}

/** A tf.layers model holding the given parameters. The caller disposes it. */
export function toLayersModel(model: AutoencoderModel): tf.Sequential {
  const layersModel = buildLayersModel(model.architecture);
  setLayersModelWeights(layersModel, model);
  return layersModel;
}
