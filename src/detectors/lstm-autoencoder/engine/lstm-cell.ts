// The element-wise part of one LSTM time step for a block of rows, forward and backward, in plain loops
// over Float32Arrays. The matrix products around it (inputs x kernel, state x recurrent kernel) run in
// tfjs; doing the gate math here instead fuses a dozen tfjs ops (each a heap allocation and a pass over
// memory) into one pass, and lets the forward pass keep exactly what the backward pass needs.
//
// Gate order i, f, g (Keras 'c'), o, each block of H columns in rows of G = 4H values.
//   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
//   c = f * c_prev + i * g            h = o * tanh(c)

/**
 * tanh by Eigen's rational approximation for float (generic_fast_tanh_float): absolute error below 3e-7
 * over the real line, i.e. a few float32 ulps, and about twice as fast in V8 as Math.tanh or an exp-based
 * formula because it needs one division and no exp.
 */
export function fastTanh(x: number): number {
  // Beyond +-7.9 the float tanh is +-1 to within float precision.
  if (x > 7.905311107635498) x = 7.905311107635498;
  else if (x < -7.905311107635498) x = -7.905311107635498;
  const x2 = x * x;
  let p = -2.76076847742355e-16;
  p = p * x2 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  let q = 1.19825839466702e-6;
  q = q * x2 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (x * p) / q;
}

/** The logistic function through tanh: sigmoid(x) = (1 + tanh(x / 2)) / 2; absolute error below 2e-7. */
export function fastSigmoid(x: number): number {
  return 0.5 + 0.5 * fastTanh(0.5 * x);
}

/**
 * One forward step for `rows` rows.
 * pre:        [rows, G] input projection (with bias) for this step; may be the same array as `gates`
 * recurrent:  [rows, G] h_prev x recurrent kernel, or null when h_prev = 0 (first step)
 * gates:      [rows, G] out: activated gates i, f, g, o (kept for the backward pass)
 * cellPrev:   [rows, H] c_prev, or null when c_prev = 0
 * cell, cellTanh, hidden: [rows, H] out: c, tanh(c), h
 */
export function lstmStepForward(
  rows: number,
  H: number,
  pre: Float32Array,
  recurrent: Float32Array | null,
  gates: Float32Array,
  cellPrev: Float32Array | null,
  cell: Float32Array,
  cellTanh: Float32Array,
  hidden: Float32Array,
): void {
  const G = 4 * H;
  for (let n = 0; n < rows; n++) {
    const g0 = n * G;
    const s0 = n * H;
    for (let j = 0; j < H; j++) {
      const gi = g0 + j;
      const gf = gi + H;
      const gg = gf + H;
      const go = gg + H;
      let zi = pre[gi];
      let zf = pre[gf];
      let zg = pre[gg];
      let zo = pre[go];
      if (recurrent !== null) {
        zi += recurrent[gi];
        zf += recurrent[gf];
        zg += recurrent[gg];
        zo += recurrent[go];
      }
      const i = fastSigmoid(zi);
      const f = fastSigmoid(zf);
      const g = fastTanh(zg);
      const o = fastSigmoid(zo);
      const c = cellPrev === null ? i * g : f * cellPrev[s0 + j] + i * g;
      const tc = fastTanh(c);
      gates[gi] = i;
      gates[gf] = f;
      gates[gg] = g;
      gates[go] = o;
      cell[s0 + j] = c;
      cellTanh[s0 + j] = tc;
      hidden[s0 + j] = o * tc;
    }
  }
}

/**
 * One backward step for `rows` rows (back-propagation through time, step t going backwards).
 * hiddenGrad:    [rows, H] dL/dh_t from outside the recurrence (the layer above), or null
 * recurrentGrad: [rows, H] dL/dh_t through h_t's use at step t+1 (dz_{t+1} x U^T), or null
 * cellGrad:      [rows, H] in: dL/dc_t through c_t's use at step t+1; out: dL/dc_{t-1}
 * gates, cellPrev (null = 0), cellTanh: what lstmStepForward kept for step t
 * gateGrad:      [rows, G] out: dL/dz_t, the pre-activation gradient
 * gateGradT:     [G, stride] out: dL/dz_t transposed, written at columns column .. column + rows - 1. The
 *                weight gradients are products of all steps' dL/dz^T with the layer inputs: with the
 *                transpose written here they are plain (untransposed) products.
 * gateGradSum:   [rows, G] or null; if given, dL/dz_t is added to it (the decoder's input is the same code
 *                at every step, so its input gradient needs the sum over steps)
 * biasGrad:      [G] float64 accumulator of column sums of dL/dz_t (the bias gradient)
 */
export function lstmStepBackward(
  rows: number,
  H: number,
  hiddenGrad: Float32Array | null,
  recurrentGrad: Float32Array | null,
  cellGrad: Float32Array,
  gates: Float32Array,
  cellPrev: Float32Array | null,
  cellTanh: Float32Array,
  gateGrad: Float32Array,
  gateGradT: Float32Array,
  column: number,
  stride: number,
  gateGradSum: Float32Array | null,
  biasGrad: Float64Array,
): void {
  const G = 4 * H;
  const strideH = stride * H;
  for (let n = 0; n < rows; n++) {
    const g0 = n * G;
    const s0 = n * H;
    for (let j = 0; j < H; j++) {
      const ti = j * stride + column + n;
      const tf = ti + strideH;
      const tg = tf + strideH;
      const to = tg + strideH;
      const gi = g0 + j;
      const gf = gi + H;
      const gg = gf + H;
      const go = gg + H;
      const s = s0 + j;
      let dh = 0;
      if (hiddenGrad !== null) dh += hiddenGrad[s];
      if (recurrentGrad !== null) dh += recurrentGrad[s];
      const i = gates[gi];
      const f = gates[gf];
      const g = gates[gg];
      const o = gates[go];
      const tc = cellTanh[s];
      const cp = cellPrev === null ? 0 : cellPrev[s];
      const dc = dh * o * (1 - tc * tc) + cellGrad[s];
      const dzi = dc * g * i * (1 - i);
      const dzf = dc * cp * f * (1 - f);
      const dzg = dc * i * (1 - g * g);
      const dzo = dh * tc * o * (1 - o);
      cellGrad[s] = dc * f;
      gateGrad[gi] = dzi;
      gateGrad[gf] = dzf;
      gateGrad[gg] = dzg;
      gateGrad[go] = dzo;
      gateGradT[ti] = dzi;
      gateGradT[tf] = dzf;
      gateGradT[tg] = dzg;
      gateGradT[to] = dzo;
      if (gateGradSum !== null) {
        gateGradSum[gi] += dzi;
        gateGradSum[gf] += dzf;
        gateGradSum[gg] += dzg;
        gateGradSum[go] += dzo;
      }
      biasGrad[j] += dzi;
      biasGrad[j + H] += dzf;
      biasGrad[j + 2 * H] += dzg;
      biasGrad[j + 3 * H] += dzo;
    }
  }
}
