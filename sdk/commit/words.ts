/** 32-byte two's-complement words (Solidity int256) for integer tensors. */
import { InputError } from "../errors.js";

export const WORD_BYTES = 32;

/** Writes each integer as a big-endian int256 word; values must be safe integers. */
export function int256Words(values: ArrayLike<number>, count = values.length): Uint8Array {
  const out = new Uint8Array(count * WORD_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isSafeInteger(v)) throw new InputError(`value ${v} at index ${i} is not a safe integer`);
    if (v < 0) out.fill(0xff, i * WORD_BYTES, i * WORD_BYTES + 24);
    view.setBigInt64(i * WORD_BYTES + 24, BigInt(v));
  }
  return out;
}
