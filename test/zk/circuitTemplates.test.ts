/**
 * circuits/lib templates, each against the TypeScript semantics, at random
 * values and at the field and range boundaries (pass and fail).
 */
import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import fc from "fast-check";

import { poseidonHashInts } from "../../sdk/commit/poseidon.js";
import { InputError } from "../../sdk/errors.js";
import { divRoundHalfUp, rescale, saturate } from "../../sdk/quant/scheme.js";
import { compileSnippet } from "../../sdk/zk/groth16/testCircuit.js";
import { fromField } from "../../sdk/zk/groth16/witness.js";

const A = 16;
const MAX = 2 ** (A - 1) - 1;
const MIN = -(2 ** (A - 1));

async function unary(template: string, inSignal: string) {
  const { witness } = await compileSnippet(
    `template T() { signal input v; signal output out; component c = ${template}; c.${inSignal} <== v; out <== c.out; }\ncomponent main = T();`,
  );
  return async (v: number | bigint) => fromField((await witness.witnessOf({ v }))[1]!);
}

async function expectRejected(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return;
  }
  expect.fail("the circuit accepted an out-of-range value");
}

describe("circuit templates (circuits/lib)", () => {
  describe("RescaleSaturate(27, 6, 16) and RescaleSaturateRelu", () => {
    const accBits = 27;
    const limit = 2 ** (accBits - 1) - 2 ** 5 - 1; // |acc| + 2^(shift-1) < 2^(accBits-1)

    it("equal saturate(rescale(acc, 6)) (and its ReLU) for random and boundary accumulators", async () => {
      const sat = await unary(`RescaleSaturate(${accBits}, 6, ${A})`, "acc");
      const relu = await unary(`RescaleSaturateRelu(${accBits}, 6, ${A})`, "acc");
      const edges = [0, 31, 32, -32, -33, MAX * 64 + 31, MAX * 64 + 32, MIN * 64 - 32, MIN * 64 - 33, limit, -limit];
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.integer({ min: -limit, max: limit }), fc.constantFrom(...edges)), async (acc) => {
          const want = saturate(rescale(acc, 6), A);
          expect(Number(await sat(acc))).to.equal(want);
          expect(Number(await relu(acc))).to.equal(Math.max(0, want));
        }),
        { numRuns: 300 },
      );
    });

    it("reject accumulators beyond the declared width", async () => {
      const sat = await unary(`RescaleSaturate(${accBits}, 6, ${A})`, "acc");
      await expectRejected(sat(2 ** (accBits - 1)));
      await expectRejected(sat(-(2 ** (accBits - 1)) - 64));
    });

    it("work without a shift (Saturate) at the activation boundaries", async () => {
      const s = await unary(`Saturate(18, ${A})`, "in");
      for (const v of [MAX, MAX + 1, MIN, MIN - 1, 0, -1, 2 ** 16, -(2 ** 16)]) expect(Number(await s(v))).to.equal(saturate(v, A));
    });
  });

  describe("SignedRange(16)", () => {
    it("accepts exactly [-2^15, 2^15 - 1]", async () => {
      const { witness } = await compileSnippet(
        `template T() { signal input v; component c = SignedRange(16); c.in <== v; }\ncomponent main = T();`,
      );
      for (const v of [MIN, MAX, 0, -1]) await witness.witnessOf({ v });
      for (const v of [MAX + 1, MIN - 1, 2n ** 200n]) await expectRejected(witness.witnessOf({ v }));
    });
  });

  describe("Relu(16)", () => {
    it("is max(0, x) on the activation range and rejects values outside it", async () => {
      const relu = await unary(`Relu(${A})`, "in");
      for (const v of [MIN, -1, 0, 1, MAX]) expect(Number(await relu(v))).to.equal(Math.max(0, v));
      await expectRejected(relu(MAX + 1));
    });
  });

  describe("Max2(16)", () => {
    it("is the signed maximum", async () => {
      const { witness } = await compileSnippet(
        `template T() { signal input a; signal input b; signal output out; component c = Max2(16); c.a <== a; c.b <== b; out <== c.out; }\ncomponent main = T();`,
      );
      const pairs = [
        [MIN, MAX],
        [MAX, MIN],
        [-1, 0],
        [5, 5],
        [MIN, MIN],
        [-7, -3],
      ];
      for (const [a, b] of pairs) expect(Number(fromField((await witness.witnessOf({ a, b }))[1]!))).to.equal(Math.max(a!, b!));
    });
  });

  describe("DivRoundHalfUp(count, 16)", () => {
    it("equals the interpreter's rounded division for counts 1..9", async () => {
      for (const count of [1, 3, 4, 9]) {
        const div = await unary(`DivRoundHalfUp(${count}, ${A})`, "sum");
        for (const sum of [0, 1, -1, count * MAX, count * MIN, Math.floor(count / 2), -Math.ceil(count / 2), 12345 % (count * MAX), -7]) {
          expect(Number(await div(sum)), `sum ${sum} / ${count}`).to.equal(divRoundHalfUp(sum, count));
        }
      }
    });
  });

  describe("ArgMax(5, 16)", () => {
    it("returns the first index of the signed maximum", async () => {
      const { witness } = await compileSnippet(
        `template T() { signal input v[5]; signal output out; component c = ArgMax(5, 16); c.in <== v; out <== c.out; }\ncomponent main = T();`,
      );
      const cases = [
        [1, 2, 3, 2, 1],
        [-5, -1, -1, -9, MIN],
        [MIN, MIN, MIN, MIN, MIN],
        [MAX, 0, MAX, MIN, -1],
        [0, -1, -2, -3, 1],
      ];
      for (const v of cases) expect(Number((await witness.witnessOf({ v }))[1]), `${v}`).to.equal(v.indexOf(Math.max(...v)));
    });
  });

  describe("PoseidonChain", () => {
    it("equals the SDK's poseidonHashInts for lengths around the 15-value chunk", async () => {
      for (const n of [1, 15, 16, 31]) {
        const { witness } = await compileSnippet(
          `template T() { signal input v[${n}]; signal output out; component c = PoseidonChain(${n}); c.in <== v; out <== c.out; }\ncomponent main = T();`,
        );
        const v = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -i : i * 1000));
        expect((await witness.witnessOf({ v }))[1]).to.equal(await poseidonHashInts(v));
      }
    });
  });
});
