// What the optimiser updates, as opposed to what the network computes with.
//
// torch.nn.LSTM has two bias vectors, bias_ih and bias_hh, that enter the gates only through their sum,
// which is the single bias of a tf.layers/Keras LSTM. Both receive the same gradient, and Adam moves each
// by about the learning rate per step, so PyTorch's effective bias moves about twice as fast as a single
// bias would; the pair also counts twice in clip_grad_norm_'s global norm and is weight-decayed part by
// part. 'pair' reproduces exactly that: the optimiser keeps the two parts as separate variables and the
// model's bias is their float32 sum. 'single' optimises the model's parameters as they are.

import { AutoencoderArchitecture, parameterLayout, ParameterBlock } from './architecture';
import { InitialState } from './initialisation';

export type LstmBiasParameterisation = 'pair' | 'single';
export const LSTM_BIAS_PARAMETERISATIONS: readonly LstmBiasParameterisation[] = ['pair', 'single'];

export interface OptimisedVariables {
  /** What the optimiser updates in place. */
  readonly variables: Float32Array;
  /** The gradient with respect to `variables`, from the gradient with respect to the model's parameters. */
  variableGradient(modelGradient: Float32Array): Float32Array;
  /** Writes the model's parameters implied by `variables`. */
  writeModel(parameters: Float32Array): void;
}

/** 'single': the variables are the model parameters themselves (aliased: no copies). */
class SingleBias implements OptimisedVariables {
  constructor(readonly variables: Float32Array) {}

  variableGradient(modelGradient: Float32Array): Float32Array {
    return modelGradient;
  }

  writeModel(parameters: Float32Array): void {
    if (parameters !== this.variables) parameters.set(this.variables);
  }
}

/**
 * 'pair': variables = [model parameters with each LSTM bias slot holding bias_ih, encoder bias_hh,
 * decoder bias_hh].
 */
class PairedBias implements OptimisedVariables {
  readonly variables: Float32Array;
  private readonly gradient: Float32Array;
  private readonly pairs: Array<{ model: ParameterBlock; recurrentOffset: number }>;
  private readonly modelSize: number;

  constructor(architecture: AutoencoderArchitecture, initial: InitialState) {
    const layout = parameterLayout(architecture);
    const G = 4 * architecture.hidden;
    this.modelSize = layout.size;
    this.variables = new Float32Array(layout.size + 2 * G);
    this.gradient = new Float32Array(this.variables.length);
    this.variables.set(initial.model.parameters);
    this.pairs = [
      { model: layout.byName.encoderBias, recurrentOffset: layout.size },
      { model: layout.byName.decoderBias, recurrentOffset: layout.size + G },
    ];
    const parts = [initial.biasParts.encoder, initial.biasParts.decoder];
    this.pairs.forEach(({ model, recurrentOffset }, index) => {
      this.variables.set(parts[index].input, model.offset);
      this.variables.set(parts[index].recurrent, recurrentOffset);
    });
  }

  variableGradient(modelGradient: Float32Array): Float32Array {
    this.gradient.set(modelGradient.subarray(0, this.modelSize));
    for (const { model, recurrentOffset } of this.pairs) {
      this.gradient.set(modelGradient.subarray(model.offset, model.offset + model.size), recurrentOffset);
    }
    return this.gradient;
  }

  writeModel(parameters: Float32Array): void {
    parameters.set(this.variables.subarray(0, this.modelSize));
    for (const { model, recurrentOffset } of this.pairs) {
      for (let i = 0; i < model.size; i++) {
        parameters[model.offset + i] = this.variables[model.offset + i] + this.variables[recurrentOffset + i];
      }
    }
  }
}

/**
 * The optimiser's variables for a training run starting from `initial`. With 'single' the variables
 * alias `parameters` (which must hold the initial model).
 */
export function optimisedVariables(
  kind: LstmBiasParameterisation,
  architecture: AutoencoderArchitecture,
  initial: InitialState,
  parameters: Float32Array,
): OptimisedVariables {
  return kind === 'pair' ? new PairedBias(architecture, initial) : new SingleBias(parameters);
}
