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
 * reproduces, computed in circomlibjs' optimized form (poseidonOptimized.ts).
 * Plain JavaScript (no WebAssembly, no Node built-ins), so commitments
 * compute in browsers too; test/browser/poseidon.test.ts holds it equal to
 * circomlibjs' buildPoseidon.
 */
import { SNARK_SCALAR_FIELD, toField } from "../field.js";
import { type OptimizedConstants, PARTIAL_ROUNDS, optimizedConstants, optimizedPermutation } from "./poseidonOptimized.js";

export { SNARK_SCALAR_FIELD, toField } from "../field.js";
export const POSEIDON_CHUNK = 15;

const constants = new Map<number, OptimizedConstants>();

/** circomlib's Poseidon of 1..16 field elements (its `Poseidon(n)` template; circomlibjs' `poseidon(inputs)`). */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > PARTIAL_ROUNDS.length)
    throw new RangeError(`Poseidon takes 1 to 16 inputs, got ${inputs.length}`);
  const t = inputs.length + 1;
  let k = constants.get(t);
  if (!k) {
    // derived once per width (about 0.3 s for t = 17)
    k = optimizedConstants(t);
    constants.set(t, k);
  }
  return optimizedPermutation(k, [0n, ...inputs.map((v) => v % SNARK_SCALAR_FIELD)]);
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
