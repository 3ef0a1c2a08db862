/**
 * What the operator pays for gas on a public chain: the first price of a
 * transaction, and the price of a replacement when it is stuck. Pure
 * arithmetic over EIP-1559 fees, so the rules can be property-tested apart
 * from any chain:
 *
 *   - a replacement (same nonce, same call) must raise both the fee cap and
 *     the tip by at least 10% or nodes refuse it ("replacement transaction
 *     underpriced"; geth's and Hardhat's rule): we raise both by 12.5%, and the
 *     fee cap to twice the latest base fee plus the tip when that is higher,
 *     so the replacement survives the base fee rising for a few blocks;
 *   - nothing is ever priced above the operator's cap (`--max-fee`): a
 *     replacement that cannot be both a valid bump and within the cap is not
 *     made, and the transaction waits for the base fee to fall.
 */

/** An EIP-1559 price. */
export interface Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/** The operator's gas price policy. */
export interface FeePolicy {
  /** The most the operator pays per gas (base fee plus tip); undefined: no cap. */
  readonly maxFeePerGas?: bigint;
  /** A transaction still waiting after this many new blocks is re-priced even if its fee cap covers the base fee. */
  readonly bumpAfterBlocks: number;
}

export const DEFAULT_BUMP_AFTER_BLOCKS = 3;

/** Replacement bump over the old price, in per mille (12.5%; nodes require 10%). */
const BUMP_PER_MILLE = 1125n;
const PER_MILLE = 1000n;
/** The fee cap covers this many times the latest base fee (ethers' default for a first price too). */
const BASE_FEE_HEADROOM = 2n;

/** A first price, held to the cap (a cap below the price the chain suggests makes the transaction wait). */
export function initialFees(suggested: Fees, cap: bigint | undefined): Fees {
  if (cap === undefined || suggested.maxFeePerGas <= cap) return suggested;
  return { maxFeePerGas: cap, maxPriorityFeePerGas: min(suggested.maxPriorityFeePerGas, cap) };
}

/**
 * Why a transaction waiting in the pool needs a new price, or undefined while it does not: its
 * fee cap is below the base fee, or it waited `bumpAfterBlocks` blocks while priced below the
 * market (a tip under the suggested one). A transaction that waits although priced at or above
 * the market is not re-priced: a stalled sequencer or a node that does not relay is not fixed by
 * paying more, and bumping it every few blocks would make its price grow without end.
 */
export function stuckReason(
  fees: Fees,
  latestBaseFee: bigint,
  suggestedTip: bigint,
  blocksWaited: number,
  policy: FeePolicy,
): string | undefined {
  if (fees.maxFeePerGas < latestBaseFee) return `its fee cap ${fees.maxFeePerGas} is below the base fee ${latestBaseFee}`;
  const belowMarket = fees.maxPriorityFeePerGas < suggestedTip || fees.maxFeePerGas < latestBaseFee + suggestedTip;
  if (blocksWaited >= policy.bumpAfterBlocks && belowMarket)
    return `not mined after ${blocksWaited} blocks, priced below the market (tip ${fees.maxPriorityFeePerGas} < ${suggestedTip}, or fee cap under base fee + tip)`;
  return undefined;
}

/**
 * The price of a replacement for a transaction priced `old`, or undefined when the cap leaves
 * no valid bump (the cap is below 112.5% of the old fee cap).
 */
export function replacementFees(old: Fees, latestBaseFee: bigint, suggestedTip: bigint, cap: bigint | undefined): Fees | undefined {
  const bumpedTip = max(bump(old.maxPriorityFeePerGas), suggestedTip);
  let maxFeePerGas = max(bump(old.maxFeePerGas), BASE_FEE_HEADROOM * latestBaseFee + bumpedTip);
  if (cap !== undefined) maxFeePerGas = min(maxFeePerGas, cap);
  if (maxFeePerGas < bump(old.maxFeePerGas)) return undefined;
  const maxPriorityFeePerGas = min(bumpedTip, maxFeePerGas);
  if (maxPriorityFeePerGas < bump(old.maxPriorityFeePerGas)) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** The smallest price a node accepts as a replacement of `value` (rounded up). */
function bump(value: bigint): bigint {
  return (value * BUMP_PER_MILLE + PER_MILLE - 1n) / PER_MILLE;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
