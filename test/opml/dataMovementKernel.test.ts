/**
 * OPML kernel family 0, data movement (contracts/opml/kernels/DataMovementKernel.sol and its twin
 * sdk/opml/kernels/dataMovement.ts): honest programs of every op seen alike by the executor and the
 * twin; random programs (views of any rank with negative steps and every pad mode, Concat, index
 * tables, lookups) and extreme values folded alike; malformed params refused alike; a lookup's
 * out-of-range index refused alike (OneStep_BadAccumulator); and the gas of the largest step.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import type { Model } from "../../sdk/model.js";
import { elementAccumulators } from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { DATA_MOVEMENT_OPS, MAX_TABLE, SIGNED_OFFSET, dataMovementKernel as twin } from "../../sdk/opml/kernels/dataMovement.js";
import {
  type NodeProgram,
  OneStepRevert,
  PARAM_LIMIT,
  checkProgram,
  modelProgram,
  operandsOf,
  outputCount,
  termCount,
} from "../../sdk/opml/program.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { DataMovementKernel__factory, type DataMovementKernel, type OneStepExecutor } from "../../types/ethers-contracts/index.js";
import { traceCase } from "../helpers/oneStepSteps.js";
import { fuzzInputs } from "../helpers/engineAgreement.js";
import { OP_MODELS, embeddingSpec } from "../ops/dataMovementModels.js";
import { loadSpec } from "./executorModels.js";

const { ethers } = await network.create();

const models: { name: string; model: Model; input: number[] }[] = [
  ...Object.entries(OP_MODELS).map(([name, spec]) => {
    const model = loadSpec(spec);
    return { name, model, input: fuzzInputs(model, 5, 11)[4]! };
  }),
  { name: "Embedding", model: loadSpec(embeddingSpec()), input: [-7, 6, 0, -1, 3] },
];

const INT256_MAX = (1n << 255n) - 1n;
const INT256_MIN = -(1n << 255n);

/** What a call reverts with, as the twin names it ("Name(arg,...)"), or undefined. */
async function reverted(
  contract: { interface: DataMovementKernel["interface"] | OneStepExecutor["interface"] },
  call: Promise<unknown>,
): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (!data) throw e;
    const parsed = contract.interface.parseError(data);
    return `${parsed!.name}(${parsed!.args.join(",")})`;
  }
}

function twinRevert(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    return `${e.signature.split("(")[0]}(${e.args.join(",")})`;
  }
}

const refTuple = (r: { source: number; step: number; index: number }) => [BigInt(r.source), BigInt(r.step), BigInt(r.index)];

describe("OPML data-movement kernel (family 0)", function () {
  this.timeout(600_000);
  let executor: OneStepExecutor;
  let kernel: DataMovementKernel;

  before(async () => {
    const [signer] = await ethers.getSigners();
    executor = await deployOneStepExecutor(signer!);
    kernel = DataMovementKernel__factory.connect(await executor.kernel0(), signer!);
  });

  it("programs every op with its code, and the executor sees every element of every node as the twin does", async () => {
    const codes = new Set<number>();
    let checked = 0;
    for (const { name, model, input } of models) {
      const trace = ExecutionTrace.of(model, input.map(BigInt));
      for (const [node, p] of modelProgram(model).programs.entries()) {
        const op = model.graph.nodes[node]!.op as keyof typeof DATA_MOVEMENT_OPS;
        expect(p.op, `${name} node ${node}`).to.equal(DATA_MOVEMENT_OPS[op]);
        codes.add(p.op);
        const q = { op: p.op, params: [...p.params] };
        expect(await executor.outputCount(q)).to.equal(BigInt(outputCount(p)));
        for (let e = 0; e < outputCount(p); e += Math.max(1, Math.floor(outputCount(p) / 7))) {
          const K = termCount(p, e);
          expect(await executor.termCount(q, e)).to.equal(BigInt(K));
          expect(await executor.initialAccumulator(q, e)).to.equal(0n);
          const { accs } = elementAccumulators(model, trace, node, e);
          for (let t = 0; t <= K; t++) {
            const got = (await executor.operandsOf(q, e, t, accs[t]!)).map((r) => [r.source, r.step, r.index].map(BigInt));
            expect(got, `${name} node ${node} element ${e} term ${t}`).to.deep.equal(operandsOf(p, e, t, accs[t]!).map(refTuple));
            checked++;
          }
        }
      }
    }
    expect([...codes].sort()).to.deep.equal(Object.values(DATA_MOVEMENT_OPS).sort());
    expect(checked).to.be.greaterThan(100);
  });

  it("random programs (views of rank 0..4, negative steps, every pad mode; Concat; index tables; lookups) fold alike, extreme values included", async () => {
    const signedWord = (v: number) => BigInt(v) + SIGNED_OFFSET;
    const dim = fc.record({
      size: fc.integer({ min: 1, max: 5 }),
      inSize: fc.integer({ min: 1, max: 6 }),
      start: fc.integer({ min: -12, max: 12 }),
      step: fc.integer({ min: -3, max: 3 }),
      stride: fc.integer({ min: 0, max: 40 }),
    });
    const loc = fc.tuple(fc.constantFrom(1n, 2n), fc.bigInt(0n, 9n), fc.bigInt(0n, 1000n));
    const view = fc.record({
      loc,
      mode: fc.integer({ min: 0, max: 3 }),
      fill: fc.integer({ min: -32768, max: 32767 }),
      dims: fc.array(dim, { maxLength: 4 }),
    });
    const program = fc.oneof(
      view.chain((v) =>
        fc.constantFrom(16, 18, 19, 20, 22, 23, 21).map((op) => {
          const words = [
            ...v.loc,
            BigInt(v.mode),
            signedWord(v.fill),
            BigInt(v.dims.length),
            ...v.dims.flatMap((d) => [BigInt(d.size), BigInt(d.inSize), signedWord(d.start), signedWord(d.step), BigInt(d.stride)]),
          ];
          return { op, params: op === 21 ? [0n, ...words] : words };
        }),
      ),
      fc
        .record({
          outer: fc.integer({ min: 1, max: 4 }),
          inner: fc.integer({ min: 1, max: 4 }),
          parts: fc.array(fc.tuple(loc, fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 4 }),
        })
        .filter((c) => c.parts.some(([, e]) => e > 0))
        .map((c) => ({
          op: 17,
          params: [BigInt(c.outer), BigInt(c.inner), BigInt(c.parts.length), ...c.parts.flatMap(([l, e]) => [...l, BigInt(e)])],
        })),
      fc
        .record({
          loc,
          outer: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 6 }),
          inner: fc.integer({ min: 1, max: 3 }),
          idx: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        })
        .map((g) => ({
          op: 21,
          params: [
            1n,
            ...g.loc,
            BigInt(g.outer),
            BigInt(g.length),
            BigInt(g.inner),
            BigInt(g.idx.length),
            ...g.idx.map((i) => BigInt(i % g.length)),
          ],
        })),
      fc
        .record({
          data: loc,
          ids: loc,
          outer: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 9 }),
          inner: fc.integer({ min: 1, max: 3 }),
          count: fc.integer({ min: 1, max: 4 }),
        })
        .map((g) => ({
          op: 21,
          params: [2n, ...g.data, ...g.ids, ...[g.outer, g.length, g.inner, g.count].map(BigInt)],
        })),
    );
    const value = fc.oneof(
      fc.constantFrom(INT256_MAX, INT256_MIN, 0n, -1n, 32767n, -32768n, -9n, -1n << 63n),
      fc.bigInt(-(1n << 20n), 1n << 20n),
    );
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(program, fc.nat(), value, value, async (p: { op: number; params: bigint[] }, pick, v, acc) => {
        const count = twin.outputCount(p);
        expect(await kernel.outputCount(p)).to.equal(count);
        const e = BigInt(pick) % count;
        const K = twin.termCount(p, e);
        expect(await kernel.termCount(p, e)).to.equal(K);
        const where = `op ${p.op} [${p.params.join(", ")}] element ${e}`;
        for (let t = 0n; t <= K; t++) {
          const a = t === 0n ? 0n : acc;
          const want = twinRevert(() => twin.operandsOf(p, e, t, a));
          const got = await reverted(kernel, kernel.operandsOf(p, e, t, a));
          expect(got, `${where} term ${t}`).to.equal(want);
          if (want) {
            seen.set("BadAccumulator", (seen.get("BadAccumulator") ?? 0) + 1);
            continue;
          }
          const refs = twin.operandsOf(p, e, t, a);
          expect(
            (await kernel.operandsOf(p, e, t, a)).map((r) => [r.source, r.step, r.index].map(BigInt)),
            `${where} term ${t}`,
          ).to.deep.equal(refs.map(refTuple));
          const values = refs.map((r) => (r.source === 0 ? 0n : v));
          if (t < K) {
            expect(await kernel.fold(p, e, t, a, values), `${where} fold ${t}`).to.equal(twin.fold(p, e, t, a, values));
            if (refs[0]!.source === 0) seen.set("padding", (seen.get("padding") ?? 0) + 1);
          } else {
            expect(await kernel.epilogue(p, e, a, values)).to.equal(twin.epilogue(p, e, a, values));
          }
        }
        seen.set(String(p.op), (seen.get(String(p.op)) ?? 0) + 1);
      }),
      { numRuns: 400, seed: 5 },
    );
    expect(seen.get("padding") ?? 0, "constant padding folds").to.be.greaterThan(10);
    expect(seen.get("BadAccumulator") ?? 0, "lookups at an index outside the table").to.be.greaterThan(10);
    expect(seen.get("17") ?? 0).to.be.greaterThan(20);
  });

  it("malformed programs are refused alike by the twin and the executor (OneStep_UnknownOp, OneStep_BadParams)", async () => {
    const honest = models.flatMap(({ model }) => modelProgram(model).programs);
    const special = [0n, 1n, 2n, 3n, 4n, BigInt(MAX_TABLE) + 1n, SIGNED_OFFSET, PARAM_LIMIT - 1n, PARAM_LIMIT, 1n << 40n];
    const mutation = fc.record({
      which: fc.nat(honest.length - 1),
      kind: fc.nat(5),
      at: fc.nat(),
      value: fc.oneof(fc.constantFrom(...special), fc.bigInt(0n, 1n << 70n)),
    });
    const seen = new Map<string, number>();
    const predicted = (p: NodeProgram) => twinRevert(() => checkProgram(p));
    await fc.assert(
      fc.asyncProperty(mutation, async ({ which, kind, at, value }) => {
        const p = honest[which]!;
        const params = [...p.params];
        let code: number = p.op;
        if (kind === 0 || kind === 1) params[at % params.length] = value;
        else if (kind === 2) params.push(value);
        else if (kind === 3) params.splice(at % params.length, 1);
        else if (kind === 4) code = 16 + (at % 16);
        else params.length = at % (params.length + 1);
        const bad = { op: code, params };
        const want = predicted(bad);
        const got = await reverted(executor, executor.outputCount(bad));
        expect(got, `op ${code} params [${params.join(", ")}]`).to.equal(want);
        const key = want?.split("(")[0] ?? "accepted";
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 500, seed: 17 },
    );
    expect(seen.get("OneStep_BadParams") ?? 0).to.be.greaterThan(150);
    expect(seen.get("OneStep_UnknownOp") ?? 0).to.be.greaterThan(5);
    for (const p of honest) expect(predicted(p)).to.equal(undefined);
  });

  it("a lookup's index outside [-L, L) is refused alike at the term reading the row (OneStep_BadAccumulator)", async () => {
    const { model } = models.at(-1)!;
    const p = modelProgram(model).programs[0]!;
    const q = { op: p.op, params: [...p.params] };
    const L = p.params[8]!;
    for (const index of [L, -L - 1n, 1n << 200n, INT256_MIN]) {
      const acc = twin.fold(p, 0n, 0n, 0n, [index]);
      expect(await kernel.fold(q, 0, 0, 0, [index])).to.equal(acc);
      const want = `OneStep_BadAccumulator(${acc})`;
      expect(twinRevert(() => operandsOf(p, 0, 1, acc))).to.equal(want);
      expect(await reverted(executor, executor.operandsOf(q, 0, 1, acc))).to.equal(want);
    }
    // -L is the first row, L - 1 the last
    expect(twin.fold(p, 0n, 0n, 0n, [-L])).to.equal(0n);
    expect(await kernel.fold(q, 0, 0, 0, [L - 1n])).to.equal(L - 1n);
  });

  it("gas: the largest foldStep and epilogueStep of every op, as a transaction, stays under 300k", async () => {
    const lines: string[] = [];
    let max = 0n;
    for (const { name, model, input } of models) {
      const trace = ExecutionTrace.of(model, input.map(BigInt));
      let largest = 0n;
      for (const [node, p] of modelProgram(model).programs.entries()) {
        for (const e of [outputCount(p) - 1, 0]) {
          const { accs } = elementAccumulators(model, trace, node, e);
          const K = termCount(p, e);
          for (let t = 0; t <= K; t++) {
            const c = traceCase(model, trace, node, e, t, accs[t]!);
            const gas = c.epilogue
              ? await executor.epilogueStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.acc, c.operands)
              : await executor.foldStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.term, c.acc, c.operands);
            if (gas > largest) largest = gas;
          }
        }
      }
      lines.push(`${name} ${largest}`);
      if (largest > max) max = largest;
    }
    expect(max).to.be.below(300_000n);
    console.log(`      largest step gas per op model (transaction): ${lines.join(", ")}`);
  });
});
