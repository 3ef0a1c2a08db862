/**
 * Signed integers as elements of the BN254 scalar field: the one encoding of
 * public values shared by both ZK backends, the Poseidon commitments and
 * contracts/libraries/FieldElements.sol. v >= 0 maps to v, v < 0 maps to p + v,
 * for |v| <= (p - 1) / 2 only, so that every element decodes to one integer
 * (FieldElements.fromSigned reverts exactly where toField throws).
 */
import { InputError } from "./errors.js";

/** The BN254 scalar field modulus p, the field of circom/snarkjs Groth16 circuits and of EZKL. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * The largest |v| with a field encoding: floor(p / 2) = (p - 1) / 2 (p is odd),
 * FieldElements.sol's `P / 2`. Elements above it stand for negative integers.
 */
export const MAX_FIELD_MAGNITUDE = SNARK_SCALAR_FIELD / 2n;

function integer(v: number | bigint): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isInteger(v)) throw new InputError(`value ${v} is not an integer`);
  return BigInt(v);
}

/** The field element encoding signed `v`; throws InputError for |v| > (p - 1) / 2 (FieldElements.fromSigned). */
export function toField(v: number | bigint): bigint {
  const b = integer(v);
  if (b > MAX_FIELD_MAGNITUDE || b < -MAX_FIELD_MAGNITUDE) {
    throw new InputError(`value ${b} has no field encoding: |v| must be at most (p - 1) / 2`);
  }
  return b < 0n ? b + SNARK_SCALAR_FIELD : b;
}

/** The signed integer a field element encodes (the inverse of toField); throws InputError unless 0 <= x < p. */
export function fromField(x: bigint): bigint {
  if (x < 0n || x >= SNARK_SCALAR_FIELD) throw new InputError(`${x} is not a field element (0 <= x < p)`);
  return x > MAX_FIELD_MAGNITUDE ? x - SNARK_SCALAR_FIELD : x;
}

/** A 32-byte hash (0x-prefixed hex) reduced into the field: uint256(h) % p (FieldElements.fromHash). */
export function fieldFromHash(h: string): bigint {
  if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw new InputError(`"${h}" is not a 32-byte hex hash`);
  return BigInt(h) % SNARK_SCALAR_FIELD;
}

/**
 * An input signal value as circom's witness calculator takes it: a field
 * element (0 <= v < p, e.g. packed inputs or the binding, which may exceed
 * (p - 1) / 2), or a negative integer v > -p standing for p + v. Not an
 * injective encoding of integers: for signed values use toField.
 */
export function signalValue(v: number | bigint): bigint {
  const b = integer(v);
  if (b <= -SNARK_SCALAR_FIELD || b >= SNARK_SCALAR_FIELD) throw new InputError(`value ${b} is outside the scalar field`);
  return b < 0n ? b + SNARK_SCALAR_FIELD : b;
}
