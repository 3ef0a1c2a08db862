/**
 * The fixed-point scheme's parameters and its arithmetic primitives, exactly
 * as docs/integer-semantics.md defines them. Circuits and the Solidity
 * executor implement these same functions.
 */
import { InputError } from "../errors.js";

export interface QuantConfig {
  /** Signed width of every activation: values lie in [-2^(A-1), 2^(A-1) - 1]. */
  readonly activationBits: number;
  /** Fractional bits F of activations: integer q stands for q / 2^F. */
  readonly fracBits: number;
  /** Signed width of weights (Gemm/MatMul/Conv constant operands). */
  readonly weightBits: number;
}

export const DEFAULT_QUANT_CONFIG: QuantConfig = Object.freeze({ activationBits: 16, fracBits: 8, weightBits: 8 });

/**
 * Every accumulator (sum of products plus bias, plus the rounding offset) must
 * stay below this magnitude: float64 then computes it exactly, and so do
 * int64, int256 and a 254-bit field with signed encoding.
 */
export const ACCUMULATOR_LIMIT = 2 ** 52;

/** The largest weight exponent tried: weights smaller than 2^-30 of the range quantize to 0 anyway. */
export const MAX_WEIGHT_EXPONENT = 30;

export function checkConfig(c: QuantConfig): void {
  const ok = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!ok(c.activationBits, 2, 32)) throw new InputError(`activationBits must be an integer in 2..32, got ${c.activationBits}`);
  if (!ok(c.weightBits, 2, 32)) throw new InputError(`weightBits must be an integer in 2..32, got ${c.weightBits}`);
  if (!ok(c.fracBits, 0, c.activationBits - 1)) {
    throw new InputError(`fracBits must be an integer in 0..activationBits-1, got ${c.fracBits}`);
  }
}

/** Round half up (towards +infinity): floor(x + 1/2). */
export function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

/** Clamp to the signed range of `bits` bits. */
export function saturate(v: number, bits: number): number {
  const hi = 2 ** (bits - 1) - 1;
  const lo = -(2 ** (bits - 1));
  return v > hi ? hi : v < lo ? lo : v;
}

/**
 * v / 2^shift rounded half up: floor((v + 2^(shift-1)) / 2^shift); identity for shift 0.
 * Exact while |v| + 2^(shift-1) < 2^53, which the quantizer's accumulator bound (2^52)
 * guarantees for every honest value; beyond it float64 rounds (e.g. 2^53 - 1 with shift 54
 * gives 1, not 0). The Solidity twin (contracts/opml/IntegerSemantics.sol) is exact everywhere.
 */
export function rescale(v: number, shift: number): number {
  if (shift === 0) return v;
  return Math.floor((v + 2 ** (shift - 1)) / 2 ** shift);
}

/** floor(a / b) for integers, exact (b > 0). */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** sum / count rounded half up: floor((2*sum + count) / (2*count)). */
export function divRoundHalfUp(sum: number, count: number): number {
  return floorDiv(2 * sum + count, 2 * count);
}

/** Float -> integer at exponent e (q = round(x * 2^e)), saturated to `bits`. */
export function quantizeValue(x: number, exponent: number, bits: number): number {
  return saturate(roundHalfUp(x * 2 ** exponent), bits);
}

/** Integer at exponent e -> float. */
export function dequantizeValue(q: number, exponent: number): number {
  return q / 2 ** exponent;
}
