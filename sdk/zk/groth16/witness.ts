/**
 * Witness generation in-process with the WebAssembly witness calculator that
 * circom emits (circuit_js/witness_calculator.js + circuit.wasm). circom's
 * wasm also evaluates every `===` assertion, so a bad input fails here.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { SNARK_SCALAR_FIELD, toField } from "../../commit/poseidon.js";
import { InputError } from "../../errors.js";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

type Builder = (code: Buffer, options?: object) => Promise<WitnessCalculator>;

const require = createRequire(import.meta.url);

/** A field element as a signed integer (values above p/2 are negative). */
export function fromField(x: bigint): bigint {
  return x > SNARK_SCALAR_FIELD / 2n ? x - SNARK_SCALAR_FIELD : x;
}

export interface CircuitInputs {
  /** The public binding (a field element). */
  readonly binding: bigint;
  /** The quantized model input. */
  readonly x: ArrayLike<number>;
  /** Private weights (weight stream order), for private-weight circuits. */
  readonly w?: ArrayLike<number>;
}

export function toCircuitInput(inputs: CircuitInputs): Record<string, unknown> {
  const ints = (v: ArrayLike<number>) => Array.from(v, (n) => toField(n).toString());
  return {
    binding: toField(inputs.binding).toString(),
    x: ints(inputs.x),
    ...(inputs.w ? { w: ints(inputs.w) } : {}),
  };
}

export class CircuitWitness {
  private constructor(private readonly calculator: WitnessCalculator) {}

  /** Loads `<dir>/circuit_js/` as written by circom --wasm. */
  static async load(dir: string): Promise<CircuitWitness> {
    const builder = require(join(dir, "circuit_js", "witness_calculator.js")) as Builder;
    return new CircuitWitness(await builder(readFileSync(join(dir, "circuit_js", "circuit.wasm"))));
  }

  /** The full witness; throws InputError when an input violates a circuit assertion (e.g. a range check). */
  async witness(inputs: CircuitInputs): Promise<bigint[]> {
    return this.witnessOf(toCircuitInput(inputs));
  }

  /** The full witness for raw input signals (signed integers are mapped into the field). */
  async witnessOf(signals: Record<string, unknown>): Promise<bigint[]> {
    const field = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(field) : typeof v === "bigint" || typeof v === "number" ? toField(v).toString() : v;
    try {
      return await this.calculator.calculateWitness(Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, field(v)])), true);
    } catch (cause) {
      throw new InputError(`the circuit rejects this input: ${(cause as Error).message.split("\n")[0]}`);
    }
  }

  /** Witness in snarkjs' .wtns format, for proving. */
  async wtns(inputs: CircuitInputs): Promise<Uint8Array> {
    try {
      return await this.calculator.calculateWTNSBin(toCircuitInput(inputs), true);
    } catch (cause) {
      throw new InputError(`the circuit rejects this input: ${(cause as Error).message.split("\n")[0]}`);
    }
  }
}
