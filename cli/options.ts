/** Options shared by several commands. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseUnits } from "ethers";

import { DEFAULT_QUANT_CONFIG, type QuantConfig } from "../sdk/quant/scheme.js";

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

export function weiAmount(value: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new InvalidArgumentError("must be an amount in wei (an integer)");
  }
}

/** A gas price in gwei (decimals allowed: "1.5"), as wei. */
export function gweiAmount(value: string): bigint {
  try {
    const wei = parseUnits(value, "gwei");
    if (wei <= 0n) throw new Error("not positive");
    return wei;
  } catch {
    throw new InvalidArgumentError("must be a positive gas price in gwei (e.g. 50 or 1.5)");
  }
}

export function addQuantOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--activation-bits <n>", "signed width of activations").argParser(integer).default(DEFAULT_QUANT_CONFIG.activationBits),
    )
    .addOption(
      new Option("--frac-bits <n>", "fractional bits F of activations (scale 2^F)")
        .argParser(integer)
        .default(DEFAULT_QUANT_CONFIG.fracBits),
    )
    .addOption(new Option("--weight-bits <n>", "signed width of weights").argParser(integer).default(DEFAULT_QUANT_CONFIG.weightBits));
}

export function quantConfigOf(opts: { activationBits: number; fracBits: number; weightBits: number }): QuantConfig {
  return { activationBits: opts.activationBits, fracBits: opts.fracBits, weightBits: opts.weightBits };
}
