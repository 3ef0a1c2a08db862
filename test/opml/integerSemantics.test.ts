/**
 * contracts/opml/IntegerSemantics.sol computes, bit for bit, what the
 * TypeScript integer interpreter computes (docs/integer-semantics.md):
 * differential tests against the functions the interpreter itself runs —
 * sdk/quant/scheme.ts (rescale, saturate, floorDiv, divRoundHalfUp), the
 * kernels in sdk/ops (Relu, MaxPool, ArgMax, Gemm's multiply-accumulate) and
 * runInteger on one-node graphs (the Gemm epilogue, Add) — with edge values
 * forced in, then every layer of digits-mlp and digits-cnn recomputed on chain
 * from the interpreter's own node inputs.
 *
 * Each fuzzed property checks BATCH cases in one eth_call; BATCHES runs give
 * BATCH * BATCHES (>= 1000) fuzzed cases per function, plus the forced edges.
 */
import { join } from "node:path";

import { expect } from "chai";
import { id } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { runInteger } from "../../sdk/interp/integer.js";
import type { ArgMaxNode, GemmNode, IrGraph, IrNode, MaxPoolNode, ReluNode, TensorInfo } from "../../sdk/ir/types.js";
import { Model } from "../../sdk/model.js";
import { argmax } from "../../sdk/ops/argmax.js";
import { gemm } from "../../sdk/ops/gemm.js";
import type { NodeArithmetic } from "../../sdk/ops/op.js";
import { maxPool } from "../../sdk/ops/pool.js";
import { relu } from "../../sdk/ops/relu.js";
import type { NodeQuant, QuantizedConstant, QuantizedModel } from "../../sdk/quant/quantize.js";
import { DEFAULT_QUANT_CONFIG, divRoundHalfUp, floorDiv, rescale, saturate } from "../../sdk/quant/scheme.js";
import type { Tensor } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { type IntegerSemanticsHarness, IntegerSemanticsHarness__factory } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

const BATCH = 256;
const BATCHES = 4; // 1024 fuzzed cases per function
const RUNS = { numRuns: BATCHES, endOnFailure: true };

const LIMIT = 2n ** 52n;
const OVERFLOW = id("Semantics_Overflow(int256)").slice(0, 10);
const NON_POSITIVE = id("Semantics_NonPositiveDivisor(int256)").slice(0, 10);
const NO_ERROR = "0x00000000";

const abs = (v: bigint) => (v < 0n ? -v : v);
const bigFloorDiv = (a: bigint, b: bigint) => (a % b !== 0n && a < 0n !== b < 0n ? a / b - 1n : a / b);
/** rescale as section 2 writes it, in BigInt: exact for every integer and shift. */
const specRescale = (v: bigint, s: number) => (s === 0 ? v : bigFloorDiv(v + (1n << BigInt(s - 1)), 1n << BigInt(s)));
const n = (v: bigint) => Number(v);
const f64 = (values: readonly (number | bigint)[]) => Float64Array.from(values, Number);
const tensorOf = (shape: number[], values: readonly (number | bigint)[]): Tensor => ({ dtype: "int32", shape, data: f64(values) });

/** Integers up to |2^52|, the range every accumulator of an honest trace lives in. */
const accInt = fc.bigInt({ min: -LIMIT, max: LIMIT });
const nearLimit = fc.bigInt({ min: LIMIT - 64n, max: LIMIT + 64n }).chain((v) => fc.constantFrom(v, -v));
const smallInt = fc.bigInt({ min: -300n, max: 300n });
/** An activation of the default width, its bounds forced in often. */
const activation = fc.oneof(
  { arbitrary: fc.bigInt({ min: -32768n, max: 32767n }), weight: 4 },
  { arbitrary: fc.constantFrom(0n, 1n, -1n, 32767n, -32768n, 32766n, -32767n), weight: 2 },
);

/** Runs `check` on the forced edge cases, then on BATCHES fuzzed batches of BATCH cases. */
async function fuzzBatches<T>(arb: fc.Arbitrary<T>, edges: readonly T[], check: (cases: readonly T[]) => Promise<void>) {
  for (let i = 0; i < edges.length; i += BATCH) await check(edges.slice(i, i + BATCH));
  await fc.assert(fc.asyncProperty(fc.array(arb, { minLength: BATCH, maxLength: BATCH }), check), RUNS);
}

/** A one-node (plus optional Relu) integer model run by the real interpreter, sdk/interp/integer.ts runInteger. */
function tinyModel(
  nodes: IrNode[],
  inputs: TensorInfo[],
  outputs: TensorInfo[],
  constants: Record<string, Tensor>,
  quant: Record<string, NodeQuant>,
  activationBits: number,
): QuantizedModel {
  const tensors = new Map<string, TensorInfo>();
  for (const t of [...inputs, ...outputs]) tensors.set(t.name, t);
  for (const [name, t] of Object.entries(constants)) tensors.set(name, { name, dtype: "int32", shape: t.shape });
  const graph: IrGraph = { name: "tiny", opset: 13, inputs, outputs, nodes, constants: new Map(Object.entries(constants)), tensors };
  const qc = new Map<string, QuantizedConstant>(Object.entries(constants).map(([k, t]) => [k, { tensor: t, exponent: 0, role: "weight" }]));
  return {
    graph,
    config: { ...DEFAULT_QUANT_CONFIG, activationBits },
    constants: qc,
    exponents: new Map(),
    nodes: new Map(Object.entries(quant)),
  };
}

describe("IntegerSemantics.sol equals the TypeScript integer semantics", function () {
  let h: IntegerSemanticsHarness;

  before(async () => {
    const [signer] = await ethers.getSigners();
    h = await new IntegerSemanticsHarness__factory(signer).deploy();
  });

  it("rescale = scheme.ts rescale (round half up, negatives, shift 0..62, |v| <= 2^52)", async () => {
    type Case = { v: bigint; s: number };
    const shift = fc.integer({ min: 0, max: 62 });
    // exact .5 ties within |v| <= 2^52 exist for shifts up to 53
    const tie = fc.integer({ min: 0, max: 53 }).chain((s) => {
      const span = s === 0 ? LIMIT : LIMIT >> BigInt(s) || 1n;
      const half = s === 0 ? 0n : 1n << BigInt(s - 1);
      return fc
        .tuple(fc.bigInt({ min: -span, max: span - 1n }), fc.constantFrom(-1n, 0n, 1n))
        .map(([q, d]) => ({ v: (q << BigInt(s)) + half + d, s }))
        .filter((c) => abs(c.v) <= LIMIT);
    });
    const arb: fc.Arbitrary<Case> = fc.oneof(
      fc.record({ v: accInt, s: shift }),
      tie,
      fc.record({
        v: fc.oneof(fc.bigInt({ min: LIMIT - 64n, max: LIMIT }), fc.bigInt({ min: -LIMIT, max: 64n - LIMIT }), smallInt),
        s: shift,
      }),
    );
    const edges: Case[] = [];
    for (let s = 0; s <= 62; s++) {
      for (const v of [0n, 1n, -1n, 2n, -2n, 3n, -3n, LIMIT, -LIMIT, LIMIT - 1n, 1n - LIMIT, 32767n, -32768n]) edges.push({ v, s });
      if (s > 0) for (const d of [-1n, 0n, 1n]) for (const sign of [1n, -1n]) edges.push({ v: sign * (1n << BigInt(s - 1)) + d, s });
    }
    // float64 is exact only within the quantizer's bound: scheme.ts gives rescale(2^53 - 1, 54) = 1
    // (2^53 - 1 + 2^53 rounds to 2^54), the spec 0; no honest accumulator gets there (|acc| < 2^52).
    const inDomain = edges.filter((c) => abs(c.v) <= LIMIT);
    await fuzzBatches(arb, inDomain, async (cases) => {
      const got = await h.rescaleBatch(
        cases.map((c) => c.v),
        cases.map((c) => c.s),
      );
      cases.forEach((c, i) => {
        const want = BigInt(rescale(n(c.v), c.s));
        expect(got[i], `rescale(${c.v}, ${c.s})`).to.equal(want);
        expect(want).to.equal(specRescale(c.v, c.s));
      });
    });
    // the spec's examples
    expect(await Promise.all([h.rescale(3, 1), h.rescale(-3, 1), h.rescale(-1, 1), h.rescale(-2, 2)])).to.deep.equal([2n, -1n, 0n, 0n]);
    expect(await h.rescale(2n ** 53n - 1n, 54))
      .to.equal(specRescale(2n ** 53n - 1n, 54))
      .and.to.equal(0n);
  });

  it("rescale is exact on all of int256 and for every shift (BigInt spec formula beyond float64)", async () => {
    const MAX = 2n ** 255n - 1n;
    const arb = fc.record({ v: fc.bigInt({ min: -MAX - 1n, max: MAX }), s: fc.integer({ min: 0, max: 300 }) });
    const edges = [0, 1, 2, 128, 253, 254, 255, 256, 257, 300].flatMap((s) => [MAX, -MAX - 1n, 1n, -1n].map((v) => ({ v, s })));
    await fuzzBatches(arb, edges, async (cases) => {
      const got = await h.rescaleBatch(
        cases.map((c) => c.v),
        cases.map((c) => c.s),
      );
      cases.forEach((c, i) => expect(got[i], `rescale(${c.v}, ${c.s})`).to.equal(specRescale(c.v, c.s)));
    });
  });

  it("saturate = scheme.ts saturate for widths 2..32, bounds and +-1 around them forced", async () => {
    type Case = { v: bigint; bits: number };
    const bits = fc.oneof(fc.constant(16), fc.integer({ min: 2, max: 32 }));
    const around = bits.chain((b) =>
      fc
        .tuple(fc.constantFrom(1n << BigInt(b - 1), -(1n << BigInt(b - 1))), fc.bigInt({ min: -2n, max: 2n }))
        .map(([edge, d]) => ({ v: edge + d, bits: b })),
    );
    const arb: fc.Arbitrary<Case> = fc.oneof(fc.record({ v: accInt, bits }), around, fc.record({ v: smallInt, bits }));
    const edges: Case[] = [];
    for (let b = 2; b <= 32; b++) {
      const m = 1n << BigInt(b - 1);
      for (const v of [0n, 1n, -1n, m, m - 1n, m + 1n, -m, -m - 1n, -m + 1n, LIMIT, -LIMIT]) edges.push({ v, bits: b });
    }
    await fuzzBatches(arb, edges, async (cases) => {
      const got = await h.saturateBatch(
        cases.map((c) => c.v),
        cases.map((c) => c.bits),
      );
      cases.forEach((c, i) => expect(got[i], `saturate(${c.v}, ${c.bits})`).to.equal(BigInt(saturate(n(c.v), c.bits))));
    });
    for (const bad of [0, 1, 33, 256]) {
      await expect(h.saturate(0, bad)).to.be.revertedWithCustomError(h, "Semantics_BadActivationBits").withArgs(bad);
    }
  });

  it("relu, max and the ArgMax / MaxPool-Indices tie rule = the Relu, MaxPool and ArgMax kernels", async () => {
    type Case = { a: bigint; b: bigint };
    const pair: fc.Arbitrary<Case> = fc.oneof(
      fc.record({ a: activation, b: activation }),
      activation.map((a) => ({ a, b: a })), // ties
      activation.chain((a) => fc.constantFrom(-1n, 1n).map((d) => ({ a, b: a + d }))),
    );
    const edgeValues = [0n, 1n, -1n, 32767n, -32768n];
    const edges = edgeValues.flatMap((a) => edgeValues.map((b) => ({ a, b })));
    await fuzzBatches(pair, edges, async (cases) => {
      const k = cases.length;
      const [reluOut, maxOut, takesFirst, takesLast] = await h.compareBatch(
        cases.map((c) => c.a),
        cases.map((c) => c.b),
      );
      // Relu kernel on the first values
      const reluNode: ReluNode = { op: "Relu", name: "r", inputs: ["x"], outputs: ["y"] };
      const [r] = relu.run(
        reluNode,
        [
          tensorOf(
            [k],
            cases.map((c) => c.a),
          ),
        ],
        [{ name: "y", dtype: "int32", shape: [k] }],
        {} as NodeArithmetic,
      );
      // MaxPool kernel: a [1, 1, k, 2] input, windows of 1 x 2 over each pair, with Indices
      const pool: MaxPoolNode = {
        op: "MaxPool",
        name: "p",
        inputs: ["x"],
        outputs: ["y", "i"],
        kernelShape: [1, 2],
        strides: [1, 2],
        pads: [0, 0, 0, 0],
        dilations: [1, 1],
        ceilMode: false,
        storageOrder: 0,
      };
      const x = tensorOf(
        [1, 1, k, 2],
        cases.flatMap((c) => [c.a, c.b]),
      );
      const outShape = [1, 1, k, 1];
      const [pooled, indices] = maxPool.run(
        pool,
        [x],
        [
          { name: "y", dtype: "int32", shape: outShape },
          { name: "i", dtype: "int64", shape: outShape },
        ],
        {} as NodeArithmetic,
      );
      // ArgMax kernel along axis 1 of [k, 2], first and last index on ties
      const argmaxOf = (selectLastIndex: boolean) => {
        const node: ArgMaxNode = { op: "ArgMax", name: "a", inputs: ["x"], outputs: ["y"], axis: 1, keepdims: true, selectLastIndex };
        const [y] = argmax.run(
          node,
          [tensorOf([k, 2], Array.from(x.data))],
          [{ name: "y", dtype: "int64", shape: [k, 1] }],
          {} as NodeArithmetic,
        );
        return y!.data;
      };
      const [first, last] = [argmaxOf(false), argmaxOf(true)];
      cases.forEach((c, i) => {
        const at = `(${c.a}, ${c.b})`;
        expect(reluOut[i], `relu${at}`).to.equal(BigInt(r!.data[i]!));
        expect(maxOut[i], `max${at}`).to.equal(BigInt(pooled!.data[i]!));
        expect(takesFirst[i], `MaxPool Indices${at}`).to.equal(indices!.data[i] === 2 * i + 1);
        expect(takesFirst[i], `ArgMax${at}`).to.equal(first[i] === 1);
        expect(takesLast[i], `ArgMax select_last_index${at}`).to.equal(last[i] === 1);
      });
    });
  });

  it("mac = Gemm's multiply-accumulate (acc += a * w), and Semantics_Overflow exactly outside |.| < 2^52", async () => {
    type Case = { acc: bigint; a: bigint; w: bigint };
    const weight = fc.oneof(fc.bigInt({ min: -127n, max: 127n }), fc.bigInt({ min: -(2n ** 31n), max: 2n ** 31n }));
    const wide = fc.oneof(activation, fc.bigInt({ min: -(2n ** 31n), max: 2n ** 31n }));
    const arb: fc.Arbitrary<Case> = fc.oneof(
      fc.record({ acc: accInt, a: activation, w: weight }),
      // results forced to the edge of the bound, on both sides of it
      fc
        .record({ a: wide, w: weight, d: fc.bigInt({ min: -3n, max: 3n }), sign: fc.constantFrom(1n, -1n) })
        .map(({ a, w, d, sign }) => ({ acc: sign * LIMIT + d - a * w, a, w })),
      fc.record({ acc: fc.oneof(nearLimit, smallInt), a: fc.oneof(nearLimit, activation), w: fc.oneof(nearLimit, weight) }),
    );
    const edgeValues = [0n, 1n, -1n, 32767n, -32768n, LIMIT - 1n, -LIMIT + 1n, LIMIT, -LIMIT];
    const edges = edgeValues.flatMap((acc) => edgeValues.flatMap((a) => [0n, 1n, -1n, 127n, -127n, LIMIT].map((w) => ({ acc, a, w }))));
    const gemmNode: GemmNode = {
      op: "Gemm",
      name: "g",
      inputs: ["a", "b"],
      outputs: ["y"],
      transA: false,
      transB: false,
      alpha: 1,
      beta: 1,
    };
    const identity: NodeArithmetic = {
      mode: "bound",
      productScale: 1,
      biasScale: 1,
      linear: (v) => v,
      add: (v) => v,
      average: divRoundHalfUp,
    };
    await fuzzBatches(arb, edges, async (cases) => {
      const [out, errs] = await h.macBatch(
        cases.map((c) => c.acc),
        cases.map((c) => c.a),
        cases.map((c) => c.w),
      );
      cases.forEach((c, i) => {
        const exact = c.acc + c.a * c.w;
        const within = [c.acc, c.a, c.w, exact].every((v) => abs(v) < LIMIT);
        expect(errs[i], `mac(${c.acc}, ${c.a}, ${c.w}) reverts`).to.equal(within ? NO_ERROR : OVERFLOW);
        if (!within) return;
        // the Gemm kernel's own loop: [1, a] x [[acc], [w]] = 1 * acc + a * w
        const [y] = gemm.run(
          gemmNode,
          [tensorOf([1, 2], [1n, c.a]), tensorOf([2, 1], [c.acc, c.w])],
          [{ name: "y", dtype: "int32", shape: [1, 1] }],
          identity,
        );
        expect(out[i], `mac(${c.acc}, ${c.a}, ${c.w})`).to.equal(BigInt(y!.data[0]!));
      });
    });
  });

  it("linearEpilogue = runInteger on a Gemm (+ Relu) node: saturate(rescale(acc + bias * 2^L, s)), with the quantizer's bound", async () => {
    type Case = { acc: bigint; bias: bigint; l: number; s: number; bits: number; relu: boolean };
    const shift = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 62 }));
    const l = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 }));
    const bits = fc.oneof(fc.constant(16), fc.integer({ min: 2, max: 32 }));
    const bias = fc.oneof(fc.constant(0n), smallInt, fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), nearLimit);
    const base = fc.record({ bias, l, s: shift, bits, relu: fc.boolean() });
    const arb: fc.Arbitrary<Case> = fc.oneof(
      base.chain((c) => accInt.map((acc) => ({ ...c, acc }))),
      // accumulator + aligned bias at an exact .5 tie of the rescale, or one off it
      base.chain((c) =>
        fc.tuple(fc.bigInt({ min: -(2n ** 20n), max: 2n ** 20n }), fc.constantFrom(-1n, 0n, 1n)).map(([q, d]) => {
          const half = c.s === 0 ? 0n : 1n << BigInt(c.s - 1);
          return { ...c, acc: (q << BigInt(c.s)) + half + d - (c.bias << BigInt(c.l)) };
        }),
      ),
      // at the bound: |acc + bias * 2^L| + 2^max(s-1, 0) = 2^52 + d
      base.chain((c) =>
        fc.tuple(fc.bigInt({ min: -2n, max: 1n }), fc.constantFrom(1n, -1n)).map(([d, sign]) => {
          const off = c.s === 0 ? 1n : 1n << BigInt(c.s - 1);
          return { ...c, acc: sign * (LIMIT - off + d) - (c.bias << BigInt(c.l)) };
        }),
      ),
    );
    const edges: Case[] = [];
    for (const s of [0, 1, 2, 6, 8, 30, 51, 52, 53, 62])
      for (const acc of [0n, 1n, -1n, 32767n << BigInt(s), -32768n << BigInt(s), LIMIT - 1n, 1n - LIMIT, 1n << BigInt(Math.max(s - 1, 0))])
        for (const relu of [false, true]) edges.push({ acc, bias: 0n, l: 0, s, bits: 16, relu });
    const run = (c: Case): bigint => {
      const nodes: IrNode[] = [
        { op: "Gemm", name: "g", inputs: ["x", "w", "c"], outputs: ["y"], transA: false, transB: false, alpha: 1, beta: 1 },
      ];
      if (c.relu) nodes.push({ op: "Relu", name: "r", inputs: ["y"], outputs: ["z"] });
      const out = { name: c.relu ? "z" : "y", dtype: "int32" as const, shape: [1, 1] };
      const model = tinyModel(
        nodes,
        [{ name: "x", dtype: "float32", shape: [1, 1] }],
        c.relu ? [{ name: "y", dtype: "int32", shape: [1, 1] }, out] : [out],
        { w: tensorOf([1, 1], [c.acc]), c: tensorOf([1], [c.bias]) },
        { g: { shift: c.s, biasShiftLeft: c.l, accumulatorBound: 0 }, r: { shift: 0, biasShiftLeft: 0, accumulatorBound: 0 } },
        c.bits,
      );
      const outputs = runInteger(model, [tensorOf([1, 1], [1n])]);
      return BigInt(outputs[outputs.length - 1]!.data[0]!);
    };
    await fuzzBatches(arb, edges, async (cases) => {
      const [out, errs] = await h.linearEpilogueBatch(
        cases.map((c) => ({ acc: c.acc, bias: c.bias, biasShiftLeft: c.l, shift: c.s, bits: c.bits, withRelu: c.relu })),
      );
      cases.forEach((c, i) => {
        const v = c.acc + (c.bias << BigInt(c.l));
        const off = c.s === 0 ? 1n : 1n << BigInt(c.s - 1);
        const within = abs(c.acc) < LIMIT && abs(c.bias << BigInt(c.l)) < LIMIT && abs(v) + off < LIMIT;
        const at = `epilogue(${c.acc}, ${c.bias} << ${c.l}, s ${c.s}, A ${c.bits}, relu ${c.relu})`;
        expect(errs[i], `${at} reverts`).to.equal(within ? NO_ERROR : OVERFLOW);
        if (within) expect(out[i], at).to.equal(run(c));
      });
    });
  });

  it("add = runInteger on an Add node (saturate(a + b)), and Semantics_Overflow outside the bound", async () => {
    for (const bits of [16, 2, 8, 32]) {
      const m = 1n << BigInt(bits - 1);
      const operand = fc.oneof(fc.bigInt({ min: -m, max: m - 1n }), fc.constantFrom(0n, 1n, -1n, m - 1n, -m, m - 2n, -m + 1n));
      const edgeValues = [0n, 1n, -1n, m - 1n, -m, m - 2n, -m + 1n];
      const edges = edgeValues.flatMap((a) => edgeValues.map((b) => ({ a, b })));
      await fuzzBatches(fc.record({ a: operand, b: operand }), edges, async (cases) => {
        const [out, errs] = await h.addBatch(
          cases.map((c) => c.a),
          cases.map((c) => c.b),
          bits,
        );
        const k = cases.length;
        const info = (name: string): TensorInfo => ({ name, dtype: "float32", shape: [k] });
        const model = tinyModel(
          [{ op: "Add", name: "add", inputs: ["a", "b"], outputs: ["y"] }],
          [info("a"), info("b")],
          [{ name: "y", dtype: "int32", shape: [k] }],
          {},
          { add: { shift: 0, biasShiftLeft: 0, accumulatorBound: 0 } },
          bits,
        );
        const [y] = runInteger(model, [
          tensorOf(
            [k],
            cases.map((c) => c.a),
          ),
          tensorOf(
            [k],
            cases.map((c) => c.b),
          ),
        ]);
        cases.forEach((c, i) => {
          expect(errs[i]).to.equal(NO_ERROR);
          expect(out[i], `add(${c.a}, ${c.b}) at ${bits} bits`).to.equal(BigInt(y!.data[i]!));
        });
      });
    }
    // operands no activation can hold: exact or Semantics_Overflow, never a wrap
    const MAX = 2n ** 255n - 1n;
    for (const [a, b] of [
      [LIMIT - 1n, 0n],
      [LIMIT - 2n, 0n],
      [LIMIT / 2n, LIMIT / 2n - 1n],
      [-(LIMIT / 2n), -(LIMIT / 2n) + 1n],
      [MAX, 1n],
      [-MAX - 1n, -1n],
    ]) {
      const sum = a! + b!;
      if (abs(a!) < LIMIT && abs(b!) < LIMIT && abs(sum) + 1n < LIMIT)
        expect(await h.add(a!, b!, 16)).to.equal(BigInt(saturate(n(sum), 16)));
      else await expect(h.add(a!, b!, 16)).to.be.revertedWithCustomError(h, "Semantics_Overflow");
    }
  });

  it("floorDiv and divRoundHalfUp = scheme.ts (AveragePool's average), ties and negatives, count <= 0 refused", async () => {
    type Case = { a: bigint; b: bigint };
    const count = fc.oneof(fc.bigInt({ min: 1n, max: 9n }), fc.bigInt({ min: 1n, max: 1n << 20n }), fc.constantFrom(1n, 2n, 4n, 9n, 25n));
    const arb: fc.Arbitrary<Case> = fc.oneof(
      fc.record({ a: fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }), b: count }),
      fc.record({ a: fc.bigInt({ min: -32768n * 9n, max: 32767n * 9n }), b: count }),
      // exact ties of the average: S / n = k + 1/2 (n even), and one off
      fc
        .record({ k: fc.bigInt({ min: -40000n, max: 40000n }), m: fc.bigInt({ min: 1n, max: 1000n }), d: fc.constantFrom(-1n, 0n, 1n) })
        .map(({ k, m, d }) => ({ a: k * 2n * m + m + d, b: 2n * m })),
      fc.record({ a: smallInt, b: fc.bigInt({ min: -3n, max: 3n }) }), // includes n <= 0
    );
    const edgeValues = [0n, 1n, -1n, 2n, -2n, 3n, -3n, -5n, 5n, 32767n, -32768n];
    const edges = edgeValues.flatMap((a) => [1n, 2n, 3n, 4n, 9n, 0n, -1n].map((b) => ({ a, b })));
    await fuzzBatches(arb, edges, async (cases) => {
      const [floorOut, floorErrs, avgOut, avgErrs] = await h.divisionBatch(
        cases.map((c) => c.a),
        cases.map((c) => c.b),
      );
      cases.forEach((c, i) => {
        const at = `(${c.a}, ${c.b})`;
        if (c.b <= 0n) {
          expect(floorErrs[i], `floorDiv${at}`).to.equal(NON_POSITIVE);
          expect(avgErrs[i], `divRoundHalfUp${at}`).to.equal(NON_POSITIVE);
          return;
        }
        expect(floorErrs[i]).to.equal(NO_ERROR);
        expect(floorOut[i], `floorDiv${at}`).to.equal(BigInt(floorDiv(n(c.a), n(c.b))));
        const within = abs(2n * c.a + c.b) + 1n < LIMIT;
        expect(avgErrs[i], `divRoundHalfUp${at} reverts`).to.equal(within ? NO_ERROR : OVERFLOW);
        if (within) expect(avgOut[i], `divRoundHalfUp${at}`).to.equal(BigInt(divRoundHalfUp(n(c.a), n(c.b))));
      });
    });
    expect(await h.divRoundHalfUp(-5, 2)).to.equal(-2n); // the spec's example
    await expect(h.divRoundHalfUp(2n ** 51n, 1)).to.be.revertedWithCustomError(h, "Semantics_Overflow");
  });

  describe("whole layers: one output element of every node recomputed on chain from the interpreter's node inputs", () => {
    const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;

    /** Runs the model on sample `i`, returning every node with the tensors the interpreter gave it. */
    function trace(model: Model, i: number) {
      const steps: { node: IrNode; inputs: readonly Tensor[]; outputs: readonly Tensor[] }[] = [];
      model.runQuantized(model.quantizedInput([samples[i]!]), { onNode: (node, inputs, outputs) => steps.push({ node, inputs, outputs }) });
      return steps;
    }

    /** The output elements checked: the first, the last and one in the middle. */
    const picks = (size: number, seed: number) => [...new Set([0, size - 1, (seed * 7919) % size])];

    for (const name of ["digits-mlp", "digits-cnn"]) {
      it(`${name}: Gemm/Conv (mac loop + epilogue, fused Relu), Relu, MaxPool, Flatten`, async () => {
        const model = Model.load(name);
        const bits = model.quantized.config.activationBits;
        const checked = new Set<string>();
        for (const sample of [0, 17, 101]) {
          const steps = trace(model, sample);
          for (const [index, { node, inputs, outputs }] of steps.entries()) {
            const y = outputs[0]!;
            const { shift, biasShiftLeft } = model.quantized.nodes.get(node.name)!;
            const next = steps[index + 1];
            const fusedRelu = next?.node.op === "Relu" && next.node.inputs[0] === node.outputs[0] ? next.outputs[0]! : undefined;
            for (const e of picks(y.data.length, sample + index)) {
              const at = `${name} sample ${sample} ${node.op} "${node.name}" element ${e}`;
              if (node.op === "Gemm") {
                const [a, w, c] = inputs as [Tensor, Tensor, Tensor?];
                const [, nOut] = y.shape as [number, number];
                const [i, j] = [Math.floor(e / nOut), e % nOut];
                const k = node.transA ? a.shape[0]! : a.shape[1]!;
                const av = Array.from({ length: k }, (_, t) => BigInt(node.transA ? a.data[t * a.shape[1]! + i]! : a.data[i * k + t]!));
                const wv = Array.from({ length: k }, (_, t) => BigInt(node.transB ? w.data[j * k + t]! : w.data[t * nOut + j]!));
                expect(c === undefined || c.data.length === nOut, "bias broadcast along rows").to.equal(true);
                const bias = c ? BigInt(c.data[j]!) : 0n;
                const [, got] = await h.linearElement(av, wv, bias, biasShiftLeft, shift, bits, false);
                expect(got, at).to.equal(BigInt(y.data[e]!));
                if (fusedRelu) {
                  const [, fused] = await h.linearElement(av, wv, bias, biasShiftLeft, shift, bits, true);
                  expect(fused, `${at} with the next Relu fused`).to.equal(BigInt(fusedRelu.data[e]!));
                }
              } else if (node.op === "Conv") {
                const [x, w, b] = inputs as [Tensor, Tensor, Tensor?];
                const [, C, H, W] = x.shape as [number, number, number, number];
                const [, M, OH, OW] = y.shape as [number, number, number, number];
                const [KH, KW] = node.kernelShape as [number, number];
                const [m, oh, ow] = [Math.floor(e / (OH * OW)) % M, Math.floor(e / OW) % OH, e % OW];
                const nb = Math.floor(e / (M * OH * OW));
                const cPerG = C / node.group;
                const av: bigint[] = [];
                const wv: bigint[] = [];
                for (let c = 0; c < cPerG; c++)
                  for (let kh = 0; kh < KH; kh++)
                    for (let kw = 0; kw < KW; kw++) {
                      const ih = oh * node.strides[0]! - node.pads[0]! + kh * node.dilations[0]!;
                      const iw = ow * node.strides[1]! - node.pads[1]! + kw * node.dilations[1]!;
                      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue; // a padding tap contributes nothing
                      const xc = Math.floor(m / (M / node.group)) * cPerG + c;
                      av.push(BigInt(x.data[((nb * C + xc) * H + ih) * W + iw]!));
                      wv.push(BigInt(w.data[((m * cPerG + c) * KH + kh) * KW + kw]!));
                    }
                const bias = b ? BigInt(b.data[m]!) : 0n;
                const [, got] = await h.linearElement(av, wv, bias, biasShiftLeft, shift, bits, false);
                expect(got, at).to.equal(BigInt(y.data[e]!));
                if (fusedRelu) {
                  const [, fused] = await h.linearElement(av, wv, bias, biasShiftLeft, shift, bits, true);
                  expect(fused, `${at} with the next Relu fused`).to.equal(BigInt(fusedRelu.data[e]!));
                }
              } else if (node.op === "Relu") {
                expect(await h.relu(BigInt(inputs[0]!.data[e]!)), at).to.equal(BigInt(y.data[e]!));
              } else if (node.op === "MaxPool") {
                const x = inputs[0]!;
                const [, , H, W] = x.shape as [number, number, number, number];
                const [, , OH, OW] = y.shape as [number, number, number, number];
                const [KH, KW] = node.kernelShape as [number, number];
                const [nc, oh, ow] = [Math.floor(e / (OH * OW)), Math.floor(e / OW) % OH, e % OW];
                let best: bigint | undefined;
                for (let kh = 0; kh < KH; kh++)
                  for (let kw = 0; kw < KW; kw++) {
                    const ih = oh * node.strides[0]! - node.pads[0]! + kh * node.dilations[0]!;
                    const iw = ow * node.strides[1]! - node.pads[1]! + kw * node.dilations[1]!;
                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue; // padding is never selected
                    const v = BigInt(x.data[(nc * H + ih) * W + iw]!);
                    best = best === undefined ? v : await h.max(best, v);
                  }
                expect(best, at).to.equal(BigInt(y.data[e]!));
              } else if (node.op === "Flatten" || node.op === "Reshape") {
                expect(y.data[e], at).to.equal(inputs[0]!.data[e]); // an index copy: no arithmetic
              } else {
                throw new Error(`${at}: no on-chain check for ${node.op}`);
              }
            }
            checked.add(node.op);
          }
        }
        expect([...checked].sort()).to.deep.equal([...new Set(model.graph.nodes.map((nd) => nd.op))].sort());
      });
    }
  });

  it("reports the gas of each primitive", async () => {
    const cases: [string, number, bigint, bigint, bigint, number, number, boolean][] = [
      ["rescale(v, 6)", 0, -123456789n, 0n, 0n, 0, 6, false],
      ["saturate(v, 16)", 1, 40000n, 0n, 0n, 0, 0, false],
      ["relu(x)", 2, -5n, 0n, 0n, 0, 0, false],
      ["mac(acc, a, w)", 3, 1000000n, -32768n, 127n, 0, 0, false],
      ["linearEpilogue(acc, bias, 0, 6, 16, relu)", 4, 47973225n, -1234n, 0n, 0, 6, true],
      ["linearEpilogue(acc, bias, 8, 8, 16, no relu)", 4, -123456789n, 1234n, 8n, 8, 8, false],
      ["add(a, b, 16)", 5, 30000n, 30000n, 0n, 0, 0, false],
      ["floorDiv(a, b)", 6, -7n, 2n, 0n, 0, 0, false],
      ["divRoundHalfUp(S, 9)", 7, -12345n, 9n, 0n, 0, 0, false],
      ["max(best, v)", 8, 3n, 7n, 0n, 0, 0, false],
      ["argMaxTakes(best, v, first)", 9, 7n, 7n, 0n, 0, 0, false],
    ];
    const rows: Record<string, number> = {};
    for (const [label, which, x, y, z, l, s, flag] of cases) {
      const bitsArg = which === 1 || which === 4 || which === 5 ? 16 : 0;
      const biasShift = which === 4 ? Number(z) : l;
      const [, gasUsed] = await h.profile(which, x, y, which === 3 ? z : 0n, biasShift, s, bitsArg, flag);
      rows[label] = Number(gasUsed);
    }
    const fc1 = trace0();
    const tx = await h.linearElement.estimateGas(fc1.a, fc1.w, fc1.bias, 0, 6, 16, true);
    console.log("      gas per call, measured around the library call inside the harness:");
    for (const [label, gas] of Object.entries(rows)) console.log(`        ${label.padEnd(48)} ${gas}`);
    console.log(`        digits-mlp fc1 element (64 macs + epilogue), whole tx estimate: ${tx}`);
    for (const gas of Object.values(rows)) expect(gas).to.be.below(5000);

    function trace0() {
      const model = Model.load("digits-mlp");
      const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
      let first: { a: bigint[]; w: bigint[]; bias: bigint } | undefined;
      model.runQuantized(model.quantizedInput([samples[0]!]), {
        onNode: (node, inputs) => {
          if (first || node.op !== "Gemm") return;
          const [a, w, c] = inputs as [Tensor, Tensor, Tensor];
          const k = a.shape[1]!;
          first = { a: Array.from(a.data.slice(0, k), BigInt), w: Array.from(w.data.slice(0, k), BigInt), bias: BigInt(c.data[0]!) };
        },
      });
      return first!;
    }
  });
});
