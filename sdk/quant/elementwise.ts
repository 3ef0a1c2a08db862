/**
 * Integer primitives of the element-wise operators (docs/integer-semantics.md,
 * section 4, "Element-wise arithmetic"), beside those of sdk/quant/scheme.ts.
 * The circuits (circuits/lib/elementwise.circom) and the one-step kernel
 * (contracts/opml/kernels/ElementwiseKernel.sol, sdk/opml/kernels/elementwise.ts)
 * compute the same functions.
 */
import { VinferError } from "../errors.js";
import { floorDiv, roundHalfUp, saturate } from "./scheme.js";

/**
 * P: the fractional bits of the fixed-point multipliers that stand for float attributes
 * (LeakyRelu's alpha, HardSigmoid's alpha and beta, HardSwish's 1/6 and 1/2): m = roundHalfUp(alpha * 2^P).
 */
export const MULTIPLIER_SHIFT = 16;

/** A division's divisor is 0 for this input (Div of two activations): the integer model has no value for it. */
export class DivisionByZeroError extends VinferError {
  constructor(node: string, element: number) {
    super(
      "DIVISION_BY_ZERO",
      `Div node "${node}": the divisor is 0 at output element ${element}; the integer model refuses a division by zero ` +
        `(it has no fixed-point infinity), so this input has no integer result`,
    );
  }
}

/** roundHalfUp(n / d) for integers, d != 0: floor((2n + d) / (2d)), the signs normalised so the divisor is positive. */
export function divRound(n: number, d: number): number {
  return d > 0 ? floorDiv(2 * n + d, 2 * d) : floorDiv(-2 * n - d, -2 * d);
}

/** The fixed-point multiplier of a float attribute: roundHalfUp(x * 2^shift). */
export function fixedMultiplier(x: number, shift: number): number {
  return roundHalfUp(x * 2 ** shift);
}

/** min(max(v, lo), hi) (hi wins when lo > hi, as ONNX Clip). */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** A float bound quantized at exponent e and saturated to `bits` (a Clip bound; infinities saturate). */
export function quantizeBound(x: number, exponent: number, bits: number): number {
  if (x === Infinity) return 2 ** (bits - 1) - 1;
  if (x === -Infinity) return -(2 ** (bits - 1));
  return saturate(roundHalfUp(x * 2 ** exponent), bits);
}
