/**
 * Non-linear constraint counts of the templates in circuits/lib after circom's
 * --O2 simplification (linear constraints are substituted away, so a linear
 * layer with constant weights costs nothing). Measured per template and held
 * against whole compiled circuits by test/zk/groth16Circuit.test.ts.
 */
import { POSEIDON_CHUNK } from "../../commit/poseidon.js";

/** circomlib Poseidon with 16 variable inputs (t = 17), one step of the PoseidonChain. */
export const POSEIDON16_CONSTRAINTS = 609;
/** An input known at compile time skips the first full round's S-box (x^5: 3 constraints). */
export const POSEIDON_CONSTANT_INPUT_SAVING = 3;

export const cost = {
  signedRange: (bits: number) => bits,
  rescaleSaturate: (accBits: number) => accBits + 7,
  rescaleSaturateRelu: (accBits: number) => accBits + 6,
  relu: (actBits: number) => actBits + 1,
  max2: (actBits: number) => actBits + 2,
  divRoundHalfUp: (count: number, actBits: number) => actBits + 2 * remainderBits(count),
  argmax: (n: number, actBits: number) => n * (actBits + 3),
  /** PackedInputs: linear constraints on range-checked inputs, substituted away by --O2. */
  packedInputs: () => 0,
  /** Chain over n values of which the first `constantPrefix` are compile-time constants. */
  poseidonChain: (n: number, constantPrefix = 0) => {
    const steps = Math.max(1, Math.ceil(n / POSEIDON_CHUNK));
    const padding = steps * POSEIDON_CHUNK - n;
    // h_0 = n is a constant, and so are the zero pads of the last step
    return steps * POSEIDON16_CONSTRAINTS - POSEIDON_CONSTANT_INPUT_SAVING * (1 + constantPrefix + padding);
  },
  /** One product of a private weight with an activation. */
  product: () => 1,
  /** Min2 (circuits/lib/reduce.circom): Max2's decomposition with the other branch. */
  min2: (actBits: number) => actBits + 2,
  /** OneHotIndex(n) (dataMovement.circom): n binary selectors and a sign bit; for n = 1 the selector is the constant 1. */
  oneHotIndex: (n: number) => (n === 1 ? 1 : n + 1),
};

/** The smallest b with v < 2^b (0 for v = 0): circuits/lib/fixedpoint.circom bitLength. */
export function bitLength(v: number): number {
  let bits = 0;
  while (2 ** bits <= v) bits++;
  return bits;
}

/**
 * InRange(lo, hi) (fixedpoint.circom): bitLength(D) bits, one constraint per run of 0-bits of
 * D = hi - lo, one product per 1-bit of D below its top bit that has a 0-bit below it.
 */
export function inRangeCost(lo: number, hi: number): number {
  const d = hi - lo;
  const b = bitLength(d);
  const bit = (i: number) => Math.floor(d / 2 ** i) % 2;
  let runs = 0;
  let products = 0;
  let zeroBelow = false;
  for (let i = 0; i < b - 1; i++) {
    if (bit(i) === 0) {
      if (i === 0 || bit(i - 1) === 1) runs++;
      zeroBelow = true;
    } else if (zeroBelow) products++;
  }
  return b + runs + products;
}

/** Interval-driven templates (fixedpoint.circom), non-linear constraints per element. */
export const intervalCost = {
  /** InRange(lo, hi): a declared input range. */
  inRange: inRangeCost,
  /** RescaleBounded(bits, shift, qlo): one decomposition, no saturation. */
  rescale: (bits: number) => bits,
  /** RescaleRelu(bits, shift): one decomposition and the sign's product. */
  rescaleRelu: (bits: number) => bits + 1,
};

/** Bits of the remainder of a division by 2 * count (DivRoundHalfUp). */
export function remainderBits(count: number): number {
  let bits = 1;
  while (2 ** bits < 2 * count) bits++;
  return bits;
}

/**
 * Width of the bit decomposition of a rescale: |acc| + 2^(shift-1) < 2^(accBits-1),
 * and at least shift + actBits + 1 so that RescaleParts has a middle bit.
 */
export function accumulatorBits(bound: number, shift: number, actBits: number): number {
  const magnitude = bound + (shift > 0 ? 2 ** (shift - 1) : 0);
  let bits = 1;
  while (2 ** (bits - 1) <= magnitude) bits++;
  return Math.max(bits, shift + actBits + 1);
}

/** Non-linear constraints of the circuits/lib/elementwise.circom templates (per output element). */
export const elementwiseCost = {
  /** Num2Bits(bits) of the sign. */
  nonNegative: (bits: number) => bits,
  negSaturate: () => 2,
  absSaturate: (actBits: number) => actBits + 3,
  maxConst: (bits: number) => bits + 2,
  minConst: (bits: number) => bits + 2,
  /** LeakyRelu, PRelu: RescaleSaturate of the scaled value and the sign of the input. */
  scaleNegative: (accBits: number, actBits: number) => cost.rescaleSaturate(accBits) + actBits + 1,
  /** HardSigmoid. */
  rescaleClamp: (tBits: number, qBits: number) => tBits + 2 * (qBits + 2),
  /** HardSwish: clamp of t, the product, RescaleSaturate. */
  clampProduct: (tBits: number, accBits: number) => 2 * (tBits + 2) + 1 + cost.rescaleSaturate(accBits),
  divActivations: (qBits: number, actBits: number) => 3 * actBits + qBits + 11,
  divConstant: (qBits: number, rBits: number) => 2 * rBits + qBits + 7,
  lessThanSigned: (bits: number) => bits + 1,
  /** circomlib IsEqual (IsZero of the difference). */
  isEqual: () => 2,
  select: () => 1,
  /** A product of two signals. */
  product: () => 1,
};

/** The smallest b with magnitude < 2^b. */
export function magnitudeBits(magnitude: number): number {
  let bits = 0;
  while (2 ** bits <= magnitude) bits++;
  return bits;
}

/** Non-linear constraints of the circuits/lib/nonlinear.circom templates. */
export const nonlinearCost = {
  tableInput: (inBits: number) => inBits + 4,
  oneHot: (k: number) => 2 ** k - 2,
  /** TableHigh: input, one-hot segment, d Horner steps (a product and a rescale each). */
  tableHigh: (inBits: number, k: number, d: number, accBits: number) => inBits + 4 + 2 ** k - 2 + d * (accBits + 1),
  /** TableFunction: TableHigh, the rounding of h_0, the selection, the tails' products. */
  tableFunction: (actBits: number, k: number, d: number, accBits: number, hBits: number, slopes: number) =>
    nonlinearCost.tableHigh(actBits, k, d, accBits) + cost.rescaleSaturate(hBits) + 1 + slopes,
  sqrtRound: (actBits: number, aBits: number) => actBits + 1 + aBits + 1 + 2 * (aBits + 1),
  reciprocalRound: (actBits: number, qBits: number) => 2 + elementwiseCost.divActivations(qBits, actBits),
  softmaxDivide: (frac: number, rBits: number) => 1 + 2 * rBits + frac + 1,
  /** LogSum: the exponent's selectors, the quotient's product, r's two range checks, the lnMantissa table. */
  logSum: (bLo: number, bHi: number, tableHigh: number) => bHi - bLo + 1 + 1 + 2 * bHi + tableHigh,
  layerNormFactor: (invBits: number, gapBits: number) => invBits + 3 + 2 * gapBits,
  rescale: (bits: number) => bits,
};
