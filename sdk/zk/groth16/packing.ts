/**
 * The model input and output as public signals of the Groth16 circuit,
 * packed so that a contract holding the request's int16-encoded input and the
 * fulfilment's output can rebuild them cheaply, and the verifier pays for few
 * public signals (docs/request-binding.md, option 1; docs/groth16.md).
 *
 * With activation width A, each signed input x in [-2^(A-1), 2^(A-1)) is
 * offset to u = x + 2^(A-1) in [0, 2^A), and PER = floor(253 / A) of them go
 * into one field element, big-endian (the first value in the top bits), M_k
 * values in signal k (PER, or the rest in the last one):
 *
 *   packed[k] = sum_{j < M_k, i = k*PER + j} u_i * 2^(A*(M_k-1-j))
 *
 * K = ceil(n / PER) signals. With A = 16 a signal is the request's 30 wire
 * bytes of its 15 values (sdk/commit/int16Tensor.ts) with each value's top bit
 * flipped, so the adapter rebuilds it with one calldataload, shift and xor. A packed value is below
 * 2^253 < p, so the packing is injective. The circuit (circuits/lib/packing.circom,
 * PackedInputs, PackedOutputs) constrains exactly this sum. Outputs are
 * activations of the same width A, packed the same way.
 */
import { InputError } from "../../errors.js";

/** Bits of a field element that packing fills: 2^253 < p (BN254), so a packed value never wraps. */
export const PACKING_BITS = 253;

/** PER: how many `bits`-wide values one public signal holds. */
export function valuesPerSignal(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > PACKING_BITS) {
    throw new InputError(`cannot pack ${bits}-bit values into field elements: the width must be an integer in 1..${PACKING_BITS}`);
  }
  return Math.floor(PACKING_BITS / bits);
}

/** K: the number of public signals that `count` packed `bits`-wide values take. */
export function packedSignalCount(count: number, bits: number): number {
  return Math.ceil(count / valuesPerSignal(bits));
}

/** Packs signed `bits`-wide values; throws InputError naming the first value (an `what`) out of range. */
export function packInputs(values: readonly bigint[], bits: number, what = "input"): bigint[] {
  const per = valuesPerSignal(bits);
  const half = 1n << BigInt(bits - 1);
  const packed = new Array<bigint>(Math.ceil(values.length / per)).fill(0n);
  values.forEach((v, i) => {
    if (typeof v !== "bigint" || v < -half || v >= half) {
      throw new InputError(`${what} ${i} = ${String(v)} is outside the ${bits}-bit signed range [${-half}, ${half - 1n}]`);
    }
    const k = Math.floor(i / per);
    const inSignal = Math.min(per, values.length - k * per);
    packed[k] = packed[k]! + ((v + half) << BigInt(bits * (inSignal - 1 - (i % per))));
  });
  return packed;
}

/**
 * The inverse of packInputs: `count` signed values from their packed signals.
 * Throws InputError unless `packed` is exactly what packInputs makes for some
 * `count` values (right length, no bits beyond the last value of a signal).
 */
export function unpackInputs(packed: readonly bigint[], count: number, bits: number): bigint[] {
  const per = valuesPerSignal(bits);
  if (!Number.isSafeInteger(count) || count < 0) throw new InputError(`cannot unpack ${count} values`);
  const signals = Math.ceil(count / per);
  if (packed.length !== signals) {
    throw new InputError(`${count} values of ${bits} bits take ${signals} packed signals, got ${packed.length}`);
  }
  const width = BigInt(bits);
  const mask = (1n << width) - 1n;
  const half = 1n << (width - 1n);
  const values: bigint[] = [];
  packed.forEach((p, k) => {
    const slots = Math.min(per, count - k * per);
    if (typeof p !== "bigint" || p < 0n || p >> (width * BigInt(slots)) !== 0n) {
      throw new InputError(`packed signal ${k} = ${String(p)} is not ${slots} values of ${bits} bits`);
    }
    for (let j = 0; j < slots; j++) values.push(((p >> (width * BigInt(slots - 1 - j))) & mask) - half);
  });
  return values;
}
