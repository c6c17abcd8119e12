// Adam, gradient-norm clipping and the cosine learning-rate schedule with PyTorch semantics, on flat
// Float32Array parameter and gradient vectors (the layout of ./architecture.ts).

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** PyTorch Adam's weight_decay: L2, i.e. weightDecay * theta added to the gradient (not AdamW). */
  weightDecay: number;
}

/** torch.optim.Adam, step by step identical in formula (moments kept in float64). */
export class Adam {
  private readonly firstMoment: Float64Array;
  private readonly secondMoment: Float64Array;
  private steps = 0;

  constructor(
    size: number,
    private readonly settings: AdamSettings,
  ) {
    this.firstMoment = new Float64Array(size);
    this.secondMoment = new Float64Array(size);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** One update of `parameters` in place with gradient `gradient` (left unchanged) at `learningRate`. */
  step(parameters: Float32Array, gradient: Float32Array, learningRate: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    if (parameters.length !== this.firstMoment.length || gradient.length !== parameters.length) {
      throw new RangeError('parameter, gradient and optimiser sizes differ');
    }
    this.steps += 1;
    const biasCorrection1 = 1 - beta1 ** this.steps;
    const biasCorrection2 = 1 - beta2 ** this.steps;
    const stepSize = learningRate / biasCorrection1;
    const sqrtBiasCorrection2 = Math.sqrt(biasCorrection2);
    const m = this.firstMoment;
    const v = this.secondMoment;
    for (let i = 0; i < parameters.length; i++) {
      const g = gradient[i] + weightDecay * parameters[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const denominator = Math.sqrt(v[i]) / sqrtBiasCorrection2 + epsilon;
      parameters[i] -= (stepSize * m[i]) / denominator;
    }
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: scales the gradient in place so that its global L2 norm is at most
 * maxNorm (by maxNorm / (norm + 1e-6), only when that is below 1). Returns the norm before clipping.
 */
export function clipGradientNorm(gradient: Float32Array, maxNorm: number): number {
  let sumSquares = 0;
  for (let i = 0; i < gradient.length; i++) sumSquares += gradient[i] * gradient[i];
  const norm = Math.sqrt(sumSquares);
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (let i = 0; i < gradient.length; i++) gradient[i] *= coefficient;
  return norm;
}

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR stepped once per epoch with T_max = epochs, in closed form:
 * lr(e) = min + (initial - min) * (1 + cos(pi * e / epochs)) / 2 for epoch e = 0, 1, ... (the learning
 * rate used during epoch e).
 */
export function cosineLearningRate(initial: number, minimum: number, epoch: number, epochs: number): number {
  return minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}
