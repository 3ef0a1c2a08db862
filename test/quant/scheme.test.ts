import { expect } from "chai";
import fc from "fast-check";

import { InputError } from "../../sdk/errors.js";
import { checkConfig, divRoundHalfUp, floorDiv, quantizeValue, rescale, roundHalfUp, saturate } from "../../sdk/quant/scheme.js";

const LIMIT = 2 ** 52;
const bigFloorDiv = (a: bigint, b: bigint) => (a % b !== 0n && a < 0n !== b < 0n ? a / b - 1n : a / b);
const safeInt = fc.integer({ min: -LIMIT, max: LIMIT });

describe("fixed-point primitives", () => {
  it("rescale(v, s) = floor((v + 2^(s-1)) / 2^s), exactly, for every |v| <= 2^52 and shift 0..30", () => {
    fc.assert(
      fc.property(safeInt, fc.integer({ min: 0, max: 30 }), (v, s) => {
        const want = s === 0 ? BigInt(v) : bigFloorDiv(BigInt(v) + (1n << BigInt(s - 1)), 1n << BigInt(s));
        expect(BigInt(rescale(v, s))).to.equal(want);
      }),
      { numRuns: 5000 },
    );
  });

  it("rescale rounds halves up (towards +infinity), also for negatives", () => {
    expect([rescale(3, 1), rescale(-3, 1), rescale(1, 1), rescale(-1, 1), rescale(-2, 2), rescale(2, 2)]).to.deep.equal([
      2, -1, 1, 0, 0, 1,
    ]);
  });

  it("floorDiv and divRoundHalfUp are exact integer division", () => {
    fc.assert(
      fc.property(
        safeInt.map((v) => Math.trunc(v / 4)),
        fc.integer({ min: 1, max: 1 << 20 }),
        (a, b) => {
          expect(BigInt(floorDiv(a, b))).to.equal(bigFloorDiv(BigInt(a), BigInt(b)));
          expect(BigInt(divRoundHalfUp(a, b))).to.equal(bigFloorDiv(2n * BigInt(a) + BigInt(b), 2n * BigInt(b)));
        },
      ),
      { numRuns: 5000 },
    );
    expect([divRoundHalfUp(5, 2), divRoundHalfUp(-5, 2), divRoundHalfUp(4, 3), divRoundHalfUp(-4, 3)]).to.deep.equal([3, -2, 1, -1]);
  });

  it("saturate clamps to the signed range of the bit width", () => {
    expect([saturate(40000, 16), saturate(-40000, 16), saturate(32767, 16), saturate(-32768, 16), saturate(5, 16)]).to.deep.equal([
      32767, -32768, 32767, -32768, 5,
    ]);
    fc.assert(
      fc.property(safeInt, fc.integer({ min: 2, max: 32 }), (v, bits) => {
        const s = saturate(v, bits);
        expect(s).to.be.within(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1);
        if (v >= -(2 ** (bits - 1)) && v <= 2 ** (bits - 1) - 1) expect(s).to.equal(v);
      }),
    );
  });

  it("quantizes floats by round-half-up at the exponent, then saturates", () => {
    expect([roundHalfUp(0.5), roundHalfUp(-0.5), roundHalfUp(-1.5), roundHalfUp(2.4999)]).to.deep.equal([1, 0, -1, 2]);
    expect(quantizeValue(1.0, 8, 16)).to.equal(256);
    expect(quantizeValue(-0.001953125, 8, 16)).to.equal(0); // -0.5 ulp rounds up to 0
    expect(quantizeValue(1000, 8, 16)).to.equal(32767);
  });

  it("refuses bit widths it cannot honour", () => {
    expect(() => checkConfig({ activationBits: 16, fracBits: 16, weightBits: 8 })).to.throw(
      InputError,
      "fracBits must be an integer in 0..activationBits-1",
    );
    expect(() => checkConfig({ activationBits: 40, fracBits: 8, weightBits: 8 })).to.throw(
      InputError,
      "activationBits must be an integer in 2..32",
    );
  });
});
