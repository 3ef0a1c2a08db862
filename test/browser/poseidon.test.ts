/**
 * The SDK's Poseidon (plain JavaScript, @noble/curves with the Grain LFSR
 * constants: browsers too) is circomlibjs' buildPoseidon, which circuits/lib
 * and the committed vectors were made with.
 */
import { expect } from "chai";
import { buildPoseidon } from "circomlibjs";
import fc from "fast-check";

import { POSEIDON_CHUNK, poseidonHash, poseidonHashInts } from "../../sdk/commit/poseidon.js";
import { SNARK_SCALAR_FIELD, toField } from "../../sdk/field.js";

describe("Poseidon (sdk/commit/poseidon.ts) equals circomlibjs", function () {
  this.timeout(120_000);
  const field = fc.bigInt({ min: 0n, max: SNARK_SCALAR_FIELD - 1n });

  it("for 1 to 16 field elements", async () => {
    const reference = await buildPoseidon();
    await fc.assert(
      fc.asyncProperty(fc.array(field, { minLength: 1, maxLength: 16 }), async (inputs) => {
        expect(poseidonHash(inputs)).to.equal(reference.F.toObject(reference(inputs)));
      }),
      { numRuns: 40 },
    );
  });

  it("for the 16-input chain of poseidonHashInts (signed integers, around the chunk size)", async () => {
    const reference = await buildPoseidon();
    const chain = (values: readonly bigint[]) => {
      let h = BigInt(values.length);
      for (let c = 0; c < Math.max(1, Math.ceil(values.length / POSEIDON_CHUNK)); c++) {
        const block = [h, ...Array.from({ length: POSEIDON_CHUNK }, (_, i) => toField(values[c * POSEIDON_CHUNK + i] ?? 0n))];
        h = reference.F.toObject(reference(block));
      }
      return h;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }), { maxLength: 47 }), async (values) => {
        expect(await poseidonHashInts(values)).to.equal(chain(values));
      }),
      { numRuns: 30 },
    );
  });

  it("rejects 0 or more than 16 inputs", () => {
    expect(() => poseidonHash([])).to.throw(RangeError);
    expect(() => poseidonHash(new Array<bigint>(17).fill(1n))).to.throw(RangeError);
  });
});
