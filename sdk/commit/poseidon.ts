/**
 * Poseidon commitments (BN254) for circuits, where keccak is expensive. A
 * sequence of integers x_1..x_n is hashed as a chain:
 *   h_0 = n;  h_{i+1} = Poseidon(h_i, x_{15i+1}, …, x_{15i+15})   (16 inputs, zero-padded)
 * over at least one chunk. Each integer is encoded by toField (sdk/field.ts):
 * a negative x as p + x (the field element -x), as circuits see it.
 *
 * Poseidon is circomlib's (circuits/lib use its templates): width t = 17,
 * 8 full and 68 partial rounds, x^5, the round constants and MDS matrix of
 * the Grain LFSR reference script, which @noble/curves' grainGenConstants
 * reproduces. Plain JavaScript (no WebAssembly, no Node built-ins), so
 * commitments compute in browsers too; test/browser/poseidon.test.ts holds it
 * equal to circomlibjs' buildPoseidon.
 */
import { Field } from "@noble/curves/abstract/modular.js";
import { grainGenConstants, poseidon } from "@noble/curves/abstract/poseidon.js";

import { SNARK_SCALAR_FIELD, toField } from "../field.js";

export { SNARK_SCALAR_FIELD, toField } from "../field.js";
export const POSEIDON_CHUNK = 15;

/** circomlib's partial round counts for t = 2..17. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const FULL_ROUNDS = 8;

const permutations = new Map<number, (state: bigint[]) => bigint[]>();

/** The Poseidon permutation of width t (constants generated on first use, about 0.1 s for t = 17). */
function permutation(t: number): (state: bigint[]) => bigint[] {
  let p = permutations.get(t);
  if (!p) {
    const Fp = Field(SNARK_SCALAR_FIELD);
    const opts = { Fp, t, roundsFull: FULL_ROUNDS, roundsPartial: PARTIAL_ROUNDS[t - 2]! };
    p = poseidon({ ...opts, ...grainGenConstants(opts), sboxPower: 5 });
    permutations.set(t, p);
  }
  return p;
}

/** circomlib's Poseidon of 1..16 field elements (its `Poseidon(n)` template; circomlibjs' `poseidon(inputs)`). */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > PARTIAL_ROUNDS.length)
    throw new RangeError(`Poseidon takes 1 to 16 inputs, got ${inputs.length}`);
  return permutation(inputs.length + 1)([0n, ...inputs])[0]!;
}

export async function poseidonHashInts(values: ArrayLike<number | bigint>): Promise<bigint> {
  const chunks = Math.max(1, Math.ceil(values.length / POSEIDON_CHUNK));
  let h = BigInt(values.length);
  for (let c = 0; c < chunks; c++) {
    const block: bigint[] = [h];
    for (let i = 0; i < POSEIDON_CHUNK; i++) {
      const k = c * POSEIDON_CHUNK + i;
      block.push(k < values.length ? toField(values[k]!) : 0n);
    }
    h = poseidonHash(block);
  }
  return h;
}
