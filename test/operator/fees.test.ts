/**
 * The operator's gas pricing (sdk/operator/fees.ts): a replacement is always
 * one that nodes accept (both prices at least 10% up), never above the cap,
 * and refused only when the cap leaves no valid bump.
 */
import { expect } from "chai";
import fc from "fast-check";

import { type Fees, initialFees, replacementFees, stuckReason } from "../../sdk/operator/fees.js";

const GWEI = 10n ** 9n;
const wei = fc.bigInt({ min: 1n, max: 10_000n * GWEI });
const fees = fc.tuple(wei, wei).map(([a, b]): Fees => ({ maxFeePerGas: a > b ? a : b, maxPriorityFeePerGas: a > b ? b : a }));
/** What geth and Hardhat require of a replacement: strictly 10% more on both prices. */
const acceptedAsReplacement = (old: Fees, next: Fees) =>
  next.maxFeePerGas * 10n >= old.maxFeePerGas * 11n && next.maxPriorityFeePerGas * 10n >= old.maxPriorityFeePerGas * 11n;

describe("Gas pricing of the operator's transactions", function () {
  it("prices a replacement that nodes accept, within the cap, or none when the cap leaves no valid bump", function () {
    fc.assert(
      fc.property(fees, wei, wei, fc.option(wei, { nil: undefined }), (old, baseFee, tip, cap) => {
        const next = replacementFees(old, baseFee, tip, cap);
        if (next === undefined) {
          expect(cap !== undefined, "refused without a cap").to.equal(true);
          expect(cap! * 1000n < old.maxFeePerGas * 1125n, "refused although the cap allows a 12.5% bump").to.equal(true);
          return;
        }
        expect(acceptedAsReplacement(old, next)).to.equal(true);
        expect(next.maxPriorityFeePerGas <= next.maxFeePerGas).to.equal(true);
        if (cap !== undefined) expect(next.maxFeePerGas <= cap).to.equal(true);
        // Room for the base fee to double, unless the cap says otherwise.
        const headroom = 2n * baseFee + next.maxPriorityFeePerGas;
        if (cap === undefined || cap >= headroom) expect(next.maxFeePerGas >= headroom).to.equal(true);
      }),
    );
  });

  it("holds a first price to the cap and leaves it alone under the cap", function () {
    fc.assert(
      fc.property(fees, fc.option(wei, { nil: undefined }), (suggested, cap) => {
        const priced = initialFees(suggested, cap);
        if (cap === undefined || suggested.maxFeePerGas <= cap) expect(priced).to.deep.equal(suggested);
        else expect(priced.maxFeePerGas).to.equal(cap);
        expect(priced.maxPriorityFeePerGas <= priced.maxFeePerGas).to.equal(true);
      }),
    );
  });

  it("calls a transaction stuck when its fee cap is below the base fee, or when it waited the policy's blocks priced below the market", function () {
    const price = { maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI };
    const policy = { bumpAfterBlocks: 3 };
    expect(stuckReason(price, 8n * GWEI, GWEI, 0, policy)).to.equal(undefined);
    expect(stuckReason(price, 11n * GWEI, GWEI, 0, policy)).to.match(/below the base fee/);
    expect(stuckReason(price, 8n * GWEI, 2n * GWEI, 2, policy)).to.equal(undefined);
    expect(stuckReason(price, 8n * GWEI, 2n * GWEI, 3, policy)).to.match(/not mined after 3 blocks, priced below the market/);
    expect(stuckReason(price, 9n * GWEI + GWEI / 2n, GWEI, 3, policy), "fee cap under base fee + tip").to.match(/below the market/);
  });

  it("never re-prices by age a transaction priced at or above the market: its price cannot grow without end", function () {
    fc.assert(
      fc.property(fees, wei, wei, fc.integer({ min: 0, max: 1_000 }), (price, baseFee, tip, waited) => {
        fc.pre(price.maxFeePerGas >= baseFee + tip && price.maxPriorityFeePerGas >= tip);
        expect(stuckReason(price, baseFee, tip, waited, { bumpAfterBlocks: 3 })).to.equal(undefined);
      }),
    );
  });
});
