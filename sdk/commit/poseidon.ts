/**
 * Poseidon commitments (circomlibjs, BN254) for circuits, where keccak is
 * expensive. A sequence of integers x_1..x_n is hashed as a chain:
 *   h_0 = n;  h_{i+1} = Poseidon(h_i, x_{15i+1}, …, x_{15i+15})   (16 inputs, zero-padded)
 * over at least one chunk. Each integer is encoded by toField (sdk/field.ts):
 * a negative x as p + x (the field element -x), as circuits see it.
 */
import { buildPoseidon, type Poseidon } from "circomlibjs";

import { toField } from "../field.js";

export { SNARK_SCALAR_FIELD, toField } from "../field.js";
export const POSEIDON_CHUNK = 15;

let poseidon: Promise<Poseidon> | undefined;
function getPoseidon(): Promise<Poseidon> {
  poseidon ??= buildPoseidon();
  return poseidon;
}

export async function poseidonHashInts(values: ArrayLike<number | bigint>): Promise<bigint> {
  const hash = await getPoseidon();
  const chunks = Math.max(1, Math.ceil(values.length / POSEIDON_CHUNK));
  let h = BigInt(values.length);
  for (let c = 0; c < chunks; c++) {
    const block: bigint[] = [h];
    for (let i = 0; i < POSEIDON_CHUNK; i++) {
      const k = c * POSEIDON_CHUNK + i;
      block.push(k < values.length ? toField(values[k]!) : 0n);
    }
    h = hash.F.toObject(hash(block));
  }
  return h;
}
