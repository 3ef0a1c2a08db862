/**
 * What every one-step kernel shares with the executor, in TypeScript: the
 * program and operand types, the revert type, and contracts/opml/IntegerSemantics.sol
 * in bigint (bit for bit and revert for revert). Split from operands.ts so
 * that kernels (sdk/opml/kernels/) import it without an import cycle.
 */
/** Operand sources (OperandRef.source, and the first word of a loc). */
export const SOURCE_NONE = 0;
export const SOURCE_TRACE = 1;
export const SOURCE_WEIGHT = 2;

/** Every param is below this bound (the executor refuses larger ones), so index arithmetic never overflows. */
export const PARAM_LIMIT = 1n << 64n;

export interface NodeProgram {
  readonly op: number;
  readonly params: readonly bigint[];
}

/** Where an operand lies: source 0 none (nothing read), 1 trace (step, element index), 2 weight (stream index). */
export interface OperandRef {
  readonly source: 0 | 1 | 2;
  readonly step: number;
  readonly index: number;
}

/** What the executor reverts with, as a Solidity error signature (e.g. "Semantics_Overflow(int256)") and its arguments. */
export class OneStepRevert extends Error {
  constructor(
    readonly signature: string,
    readonly args: readonly bigint[],
  ) {
    super(`the one-step executor reverts with ${signature.split("(")[0]}(${args.join(", ")})`);
    this.name = "OneStepRevert";
  }
}

export const INT256_MIN = -(1n << 255n);
export const ACCUMULATOR_LIMIT = 1n << 52n;
const MAX_ACCUMULATOR_SHIFT = 52n;
export const NO_OPERAND: OperandRef = Object.freeze({ source: SOURCE_NONE, step: 0, index: 0 });

// ---------------------------------------------------------------- IntegerSemantics.sol, in bigint

const overflow = (v: bigint) => new OneStepRevert("Semantics_Overflow(int256)", [v]);
/** Reverts Semantics_Overflow unless -limit < v < limit. */
export function checkBelow(v: bigint, limit: bigint): void {
  if (v >= limit || v <= -limit) throw overflow(v);
}
export function rescale(v: bigint, shift: bigint): bigint {
  if (shift === 0n) return v;
  return (v >> shift) + ((v >> (shift - 1n)) & 1n);
}
export function saturate(v: bigint, bits: bigint): bigint {
  if (bits < 2n || bits > 32n) throw new OneStepRevert("Semantics_BadActivationBits(uint256)", [bits]);
  const hi = (1n << (bits - 1n)) - 1n;
  const lo = -(1n << (bits - 1n));
  return v > hi ? hi : v < lo ? lo : v;
}
export function mac(acc: bigint, a: bigint, w: bigint): bigint {
  checkBelow(acc, ACCUMULATOR_LIMIT);
  checkBelow(a, ACCUMULATOR_LIMIT);
  checkBelow(w, ACCUMULATOR_LIMIT);
  const r = acc + a * w;
  checkBelow(r, ACCUMULATOR_LIMIT);
  return r;
}
export function linearEpilogue(acc: bigint, bias: bigint, biasShiftLeft: bigint, shift: bigint, bits: bigint): bigint {
  checkBelow(acc, ACCUMULATOR_LIMIT);
  let aligned = 0n;
  if (bias !== 0n) {
    if (biasShiftLeft >= MAX_ACCUMULATOR_SHIFT) throw overflow(bias);
    checkBelow(bias, ACCUMULATOR_LIMIT);
    aligned = bias << biasShiftLeft;
    checkBelow(aligned, ACCUMULATOR_LIMIT);
  }
  const v = acc + aligned;
  if (shift > MAX_ACCUMULATOR_SHIFT) throw overflow(v);
  checkBelow(v, ACCUMULATOR_LIMIT - (shift === 0n ? 1n : 1n << (shift - 1n)));
  return saturate(rescale(v, shift), bits);
}
export function addSaturate(a: bigint, b: bigint, bits: bigint): bigint {
  checkBelow(a, ACCUMULATOR_LIMIT);
  checkBelow(b, ACCUMULATOR_LIMIT);
  const s = a + b;
  checkBelow(s, ACCUMULATOR_LIMIT - 1n);
  return saturate(s, bits);
}
export function floorDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new OneStepRevert("Semantics_NonPositiveDivisor(int256)", [b]);
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
export function divRoundHalfUp(sum: bigint, count: bigint): bigint {
  if (count <= 0n) throw new OneStepRevert("Semantics_NonPositiveDivisor(int256)", [count]);
  checkBelow(sum, ACCUMULATOR_LIMIT);
  checkBelow(count, ACCUMULATOR_LIMIT);
  const t = 2n * sum + count;
  checkBelow(t, ACCUMULATOR_LIMIT - 1n);
  return floorDiv(t, 2n * count);
}
export const relu = (x: bigint): bigint => (x > 0n ? x : 0n);
export const max = (best: bigint, v: bigint): bigint => (v > best ? v : best);
export const argMaxTakes = (best: bigint, v: bigint, selectLast: boolean): boolean => v > best || (selectLast && v === best);

/** The operand at the loc whose first word is `at`, plus `index`: (source, step, offset + index). */
export const ref = (q: readonly bigint[], at: number, index: bigint): OperandRef => ({
  source: Number(q[at]) as 0 | 1 | 2,
  step: Number(q[at + 1]),
  index: Number(q[at + 2]! + index),
});
