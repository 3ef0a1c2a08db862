/**
 * Poseidon commitments (circomlibjs, BN254) for circuits, where keccak is
 * expensive. A sequence of integers x_1..x_n is hashed as a chain:
 *   h_0 = n;  h_{i+1} = Poseidon(h_i, x_{15i+1}, …, x_{15i+15})   (16 inputs, zero-padded)
 * over at least one chunk. Negative integers are encoded as p + x (the field
 * element -x), as circuits see them.
 */
import { buildPoseidon, type Poseidon } from "circomlibjs";

import { InputError } from "../errors.js";

/** Order of the BN254 scalar field, the field of circom/snarkjs Groth16 circuits. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const POSEIDON_CHUNK = 15;

let poseidon: Promise<Poseidon> | undefined;
function getPoseidon(): Promise<Poseidon> {
  poseidon ??= buildPoseidon();
  return poseidon;
}

export function toField(v: number | bigint): bigint {
  const b = BigInt(v);
  if (b <= -SNARK_SCALAR_FIELD || b >= SNARK_SCALAR_FIELD) throw new InputError(`value ${b} is outside the scalar field`);
  return b < 0n ? b + SNARK_SCALAR_FIELD : b;
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
