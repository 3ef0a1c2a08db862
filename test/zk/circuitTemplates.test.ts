/**
 * circuits/lib templates, each against the TypeScript semantics, at random
 * values and at the field and range boundaries (pass and fail); and the input
 * packing of the public signals (sdk/zk/groth16/packing.ts) on its own.
 */
import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import fc from "fast-check";

import { SNARK_SCALAR_FIELD, poseidonHashInts } from "../../sdk/commit/poseidon.js";
import { InputError } from "../../sdk/errors.js";
import { divRoundHalfUp, rescale, saturate } from "../../sdk/quant/scheme.js";
import { sumExpression } from "../../sdk/zk/groth16/circuitGen.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";
import { packInputs, unpackInputs, valuesPerSignal } from "../../sdk/zk/groth16/packing.js";
import { compileSnippet } from "../helpers/circomSnippet.js";
import { fromField } from "../../sdk/zk/groth16/witness.js";
import { bitLength, inRangeCost } from "../../sdk/zk/groth16/costs.js";
import { rescaleStep } from "../../sdk/zk/groth16/lowerings/rescale.js";

const A = 16;
const MAX = 2 ** (A - 1) - 1;
const MIN = -(2 ** (A - 1));

async function unary(template: string, inSignal: string) {
  const { witness } = await compileSnippet(
    `template T() { signal input v; signal output out; component c = ${template}; c.${inSignal} <== v; out <== c.out; }\ncomponent main = T();`,
  );
  return async (v: number | bigint) => fromField((await witness.witnessOf({ v }))[1]!);
}

/** Signed values of `bits` bits, the range boundaries often. */
function signedValues(bits: number, maxLength: number, minLength = 0) {
  const half = 1n << BigInt(bits - 1);
  const value = fc.oneof(fc.bigInt({ min: -half, max: half - 1n }), fc.constantFrom(-half, half - 1n, 0n, -1n));
  return fc.array(value, { minLength, maxLength });
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

  describe("interval-driven templates (declared input ranges)", () => {
    it("InRange(lo, hi) accepts exactly [lo, hi], at the cost inRangeCost predicts", async () => {
      for (const [lo, hi] of [
        [0, 256],
        [-5, 300],
        [-37, -3],
        [0, 255],
        [3, 4],
        [-128, 127],
        [1, 1000],
      ] as const) {
        const { witness, constraints } = await compileSnippet(
          `template T() { signal input v; component c = InRange(${lo}, ${hi}); c.in <== v; }\ncomponent main = T();`,
        );
        expect(constraints, `InRange(${lo}, ${hi})`).to.equal(inRangeCost(lo, hi));
        for (let v = lo - 5; v <= hi + 5; v++) {
          if (v >= lo && v <= hi) await witness.witnessOf({ v });
          else await expectRejected(witness.witnessOf({ v }));
        }
        // far outside, and values whose difference to lo wraps around the field or overflows the decomposition
        const far = [2n ** 40n, -(2n ** 40n), BigInt(lo) + 2n ** BigInt(bitLength(hi - lo)), SNARK_SCALAR_FIELD + BigInt(lo) - 1n];
        for (const v of far) await expectRejected(witness.witnessOf({ v }));
      }
      expect(inRangeCost(0, 256)).to.equal(10);
      expect(inRangeCost(0, 255)).to.equal(8);
    });

    // [accLo, accHi], shift, ReLU: each picks one choice of rescaleStep (the first two: digits-mlp's fc1 and fc2)
    const cases: [number, number, number, boolean, string][] = [
      [-171284, 236649, 6, true, "RescaleRelu"],
      [-1832797, 1534385, 6, false, "RescaleBounded"],
      [-40, 3000, 0, true, "RescaleRelu"],
      [100, 5000, 3, true, "RescaleBounded"],
      [-5985951, 9399085, 6, true, "RescaleSaturateRelu"],
      [-10946833, 7707074, 6, false, "RescaleSaturate"],
      [-2000, 2000, 4, false, "RescaleBounded"],
    ];
    for (const [accLo, accHi, shift, relu, name] of cases) {
      it(`${name} on [${accLo}, ${accHi}] (shift ${shift}${relu ? ", ReLU" : ""}) is [relu] saturate(rescale(acc)) on the whole interval`, async () => {
        const step = rescaleStep(accLo, accHi, shift, relu, A);
        if (step.kind !== "template") return expect.fail(`expected a template, got ${step.kind}`);
        expect(step.name).to.equal(name);
        const { witness, constraints } = await compileSnippet(
          `template T() { signal input v; signal output out; out <== ${step.template}(v); }\ncomponent main = T();`,
        );
        expect(constraints).to.equal(step.constraints);
        const want = (acc: number) => (relu ? Math.max(0, saturate(rescale(acc, shift), A)) : saturate(rescale(acc, shift), A));
        const half = shift > 0 ? 2 ** (shift - 1) : 0;
        const edges = [
          accLo,
          accLo + 1,
          accHi,
          accHi - 1,
          0,
          -1,
          1,
          -half,
          -half - 1,
          half,
          2 ** shift - half - 1,
          2 ** shift - half,
        ].filter((v) => v >= accLo && v <= accHi);
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.integer({ min: accLo, max: accHi }), fc.constantFrom(...edges)), async (acc) => {
            expect(Number(fromField((await witness.witnessOf({ v: acc }))[1]!)), `acc ${acc}`).to.equal(want(acc));
          }),
          { numRuns: 200 },
        );
      });
    }

    it("RescaleBounded and RescaleRelu have no witness beyond the width they decompose", async () => {
      // RescaleBounded(bits, shift, qlo) decomposes t = acc + 2^(shift-1) - qlo 2^shift into bits bits
      const bounded = await unary("RescaleBounded(12, 4, -50)", "acc");
      const first = -50 * 16 - 8; // t = 0
      expect(Number(await bounded(first))).to.equal(-50);
      expect(Number(await bounded(first + 2 ** 12 - 1))).to.equal(-50 + 255);
      await expectRejected(bounded(first - 1));
      await expectRejected(bounded(first + 2 ** 12));
      // RescaleRelu(bits, shift): t = acc + 2^(shift-1) + 2^(bits-1) in [0, 2^bits)
      const relu = await unary("RescaleRelu(10, 2)", "acc");
      expect(Number(await relu(2 ** 9 - 2 - 1))).to.equal(127);
      expect(Number(await relu(-(2 ** 9) - 2))).to.equal(0);
      await expectRejected(relu(2 ** 9 - 2));
      await expectRejected(relu(-(2 ** 9) - 2 - 1));
    });

    it("a ReLU whose interval is non-positive is the constant 0, one within range without a shift is the sum itself", () => {
      expect(rescaleStep(-50, -3, 2, true, A)).to.deep.equal({ kind: "constant", value: 0 });
      expect(rescaleStep(-30000, 30000, 0, false, A)).to.deep.equal({ kind: "identity" });
      expect(rescaleStep(-30000, 30000, 0, true, A)).to.include({ kind: "template", name: "RescaleRelu", template: "RescaleRelu(16, 0)" });
      expect(rescaleStep(640, 671, 6, false, A)).to.deep.equal({ kind: "constant", value: 10 });
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

  describe("input packing (packInputs, unpackInputs, PackedInputs)", () => {
    it("puts floor(253 / bits) values in a signal", () => {
      expect(valuesPerSignal(16)).to.equal(15);
      expect(valuesPerSignal(8)).to.equal(31);
      expect(valuesPerSignal(32)).to.equal(7);
      expect(valuesPerSignal(1)).to.equal(253);
      expect(valuesPerSignal(253)).to.equal(1);
      for (const bits of [0, 254, 1.5, -16]) expect(() => valuesPerSignal(bits), String(bits)).to.throw(InputError);
    });

    it("packs big-endian, offset by 2^(bits-1), the last signal partial", () => {
      const x = Array.from({ length: 17 }, (_, i) => BigInt(i - 8));
      const packed = packInputs(x, A);
      expect(packed).to.have.length(2);
      const u = (i: number) => x[i]! + 2n ** 15n;
      expect(packed[0]).to.equal(x.slice(0, 15).reduce((s, _, j) => s + u(j) * 2n ** BigInt(16 * (14 - j)), 0n));
      expect(packed[1]).to.equal(u(15) * 2n ** 16n + u(16));
      expect(packInputs([], A)).to.deep.equal([]);
      expect(packInputs([BigInt(MIN)], A)).to.deep.equal([0n]);
      expect(packInputs([BigInt(MAX)], A)).to.deep.equal([2n ** 16n - 1n]);
      expect(packInputs(new Array<bigint>(15).fill(BigInt(MAX)), A)).to.deep.equal([2n ** 240n - 1n]);
    });

    it("with 16 bits, a signal is its values' int16 wire bytes read as one number, each value's top bit flipped", () => {
      fc.assert(
        fc.property(fc.array(fc.bigInt(BigInt(MIN), BigInt(MAX)), { minLength: 1, maxLength: 70 }), (x) => {
          const wire = packInt16(x).slice(2);
          const signals = Array.from({ length: Math.ceil(x.length / 15) }, (_, k) => {
            const lanes = wire.slice(k * 60, (k + 1) * 60); // 15 values, 4 hex digits each
            const signBits = BigInt(`0x${"8000".repeat(lanes.length / 4)}`);
            return BigInt(`0x${lanes}`) ^ signBits;
          });
          expect(packInputs(x, A)).to.deep.equal(signals);
        }),
      );
    });

    it("round-trips through unpackInputs for every width, at random and boundary values", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 253 }).chain((bits) => fc.tuple(fc.constant(bits), signedValues(bits, 40))),
          ([bits, values]) => {
            const packed = packInputs(values, bits);
            expect(packed).to.have.length(Math.ceil(values.length / valuesPerSignal(bits)));
            for (const p of packed) expect(p >= 0n && p < SNARK_SCALAR_FIELD && p < 2n ** 253n).to.equal(true);
            expect(unpackInputs(packed, values.length, bits)).to.deep.equal(values);
          },
        ),
        { numRuns: 500 },
      );
    });

    it("throws InputError naming the index and value of an input out of range", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 64 }),
          fc.nat(30),
          fc.boolean(),
          fc.bigInt({ min: 0n, max: 2n ** 70n }),
          (bits, index, high, beyond) => {
            const half = 1n << BigInt(bits - 1);
            const bad = high ? half + beyond : -half - 1n - beyond;
            const values = new Array<bigint>(index + 3).fill(0n);
            values[index] = bad;
            expect(() => packInputs(values, bits)).to.throw(InputError, `input ${index} = ${bad} is outside the ${bits}-bit signed range`);
          },
        ),
      );
      expect(() => packInputs([0n, BigInt(MAX + 1)], A)).to.throw(InputError, "input 1 = 32768");
      expect(() => packInputs([BigInt(MIN - 1)], A)).to.throw(InputError, "input 0 = -32769");
    });

    it("unpackInputs refuses signals that packInputs cannot make", () => {
      const packed = packInputs([1n, 2n, 3n], A);
      expect(() => unpackInputs(packed, 4, A)).to.not.throw(); // 4 values still fit one signal (big-endian: the 1st is MIN)
      expect(unpackInputs(packed, 4, A)).to.deep.equal([BigInt(MIN), 1n, 2n, 3n]);
      expect(() => unpackInputs(packed, 2, A)).to.throw(InputError, "is not 2 values"); // the 3rd value's bits are left over
      expect(() => unpackInputs(packed, 16, A)).to.throw(InputError, "take 2 packed signals, got 1");
      expect(() => unpackInputs([-1n], 1, A)).to.throw(InputError);
      expect(() => unpackInputs([2n ** 240n], 15, A)).to.throw(InputError);
      expect(unpackInputs([2n ** 240n - 1n], 15, A)).to.deep.equal(new Array<bigint>(15).fill(BigInt(MAX)));
    });

    it("PackedInputs(20, 16) accepts exactly packInputs' signals", async () => {
      const { witness } = await compileSnippet(
        `template T() { signal input v[20]; signal input packed[2]; component c = PackedInputs(20, 16); c.in <== v; c.packed <== packed; }\ncomponent main {public [packed]} = T();`,
      );
      await fc.assert(
        fc.asyncProperty(signedValues(A, 20, 20), fc.nat(1), async (v, k) => {
          const packed = packInputs(v, A);
          await witness.witnessOf({ v, packed });
          const off = [...packed];
          off[k]! += 1n;
          await expectRejected(witness.witnessOf({ v, packed: off }));
        }),
        { numRuns: 40 },
      );
    });

    it("PackedInputs(7, 40) packs 6 values of 40 bits per signal", async () => {
      const { witness } = await compileSnippet(
        `template T() { signal input v[7]; signal input packed[2]; component c = PackedInputs(7, 40); c.in <== v; c.packed <== packed; }\ncomponent main {public [packed]} = T();`,
      );
      const v = [-(2n ** 39n), 2n ** 39n - 1n, 0n, -1n, 1n, 123456789n, -(2n ** 39n)];
      await witness.witnessOf({ v, packed: packInputs(v, 40) });
      await expectRejected(witness.witnessOf({ v, packed: packInputs([...v.slice(0, 6), 0n], 40) }));
    });
  });
});

describe("long linear sums in generated circuits (sumExpression)", () => {
  it("keep every term in order, parenthesised only logarithmically deep (circom's checker recurses per +)", () => {
    const terms = Array.from({ length: 10_000 }, (_, i) => `${i - 5000}*x[${i}]`);
    const expr = sumExpression(terms);
    expect(expr.replace(/[()]/g, "").split(" + ")).to.deep.equal(terms);
    let depth = 0;
    let deepest = 0;
    for (const ch of expr) {
      if (ch === "(") deepest = Math.max(deepest, ++depth);
      else if (ch === ")") depth--;
    }
    expect(deepest).to.equal(6); // 10,000 terms halved until at most 256 remain
    expect(sumExpression(terms.slice(0, 3))).to.equal("-5000*x[0] + -4999*x[1] + -4998*x[2]");
  });
});
