/**
 * Witness generation in-process with the WebAssembly witness calculator that
 * circom emits (circuit_js/witness_calculator.js + circuit.wasm). circom's
 * wasm also evaluates every `===` assertion, so a bad input fails here.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { serialQueue } from "../../async.js";
import { InputError } from "../../errors.js";
import { signalValue, toField } from "../../field.js";
import { packInputs } from "./packing.js";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

type Builder = (code: Buffer, options?: object) => Promise<WitnessCalculator>;

const require = createRequire(import.meta.url);

export { fromField } from "../../field.js";

export interface CircuitInputs {
  /** The public binding (a field element). */
  readonly binding: bigint;
  /** The quantized model input. */
  readonly x: ArrayLike<number>;
  /** Private weights (weight stream order), for private-weight circuits. */
  readonly w?: ArrayLike<number>;
}

/**
 * The input signals of a model circuit (circuitGen.ts): x, its packing xPacked
 * into public signals (`inputBits` = the activation width), binding and w.
 * Throws InputError for an input that is not an integer of that width.
 */
export function toCircuitInput(inputs: CircuitInputs, inputBits: number): Record<string, unknown> {
  const ints = (v: ArrayLike<number>) => Array.from(v, (n) => toField(n).toString());
  const x = Array.from(inputs.x, (n, i) => {
    if (!Number.isSafeInteger(n)) throw new InputError(`input ${i} = ${n} is not an integer`);
    return BigInt(n);
  });
  return {
    x: x.map((n) => toField(n).toString()),
    xPacked: packInputs(x, inputBits).map(String),
    binding: signalValue(inputs.binding).toString(),
    ...(inputs.w ? { w: ints(inputs.w) } : {}),
  };
}

export class CircuitWitness {
  private constructor(private readonly calculator: WitnessCalculator) {}

  /**
   * circom's witness calculator keeps the witness in its one wasm instance's
   * memory, and its calls are async: two calculations in flight at once mix
   * their signals (an operator proving two requests concurrently got one
   * request's witness in the other's proof). Calls on one instance therefore
   * run one after another.
   */
  private readonly exclusive = serialQueue();

  /** Loads `<dir>/circuit_js/` as written by circom --wasm. */
  static async load(dir: string): Promise<CircuitWitness> {
    const builder = require(join(dir, "circuit_js", "witness_calculator.js")) as Builder;
    return new CircuitWitness(await builder(readFileSync(join(dir, "circuit_js", "circuit.wasm"))));
  }

  /** The full witness for raw input signals (signed integers are mapped into the field). */
  async witnessOf(signals: Record<string, unknown>): Promise<bigint[]> {
    try {
      return await this.exclusive(() => this.calculator.calculateWitness(fieldSignals(signals), true));
    } catch (cause) {
      throw rejected(cause);
    }
  }

  /** The witness of raw input signals in snarkjs' .wtns format, for proving. */
  async wtnsOf(signals: Record<string, unknown>): Promise<Uint8Array> {
    try {
      return await this.exclusive(() => this.calculator.calculateWTNSBin(fieldSignals(signals), true));
    } catch (cause) {
      throw rejected(cause);
    }
  }
}

function fieldSignals(signals: Record<string, unknown>): Record<string, unknown> {
  const field = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(field) : typeof v === "bigint" || typeof v === "number" ? signalValue(v).toString() : v;
  return Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, field(v)]));
}

function rejected(cause: unknown): InputError {
  return new InputError(`the circuit rejects this input: ${(cause as Error).message.split("\n")[0]}`);
}
