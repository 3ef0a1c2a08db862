/**
 * OPML kernel family 2 (reductions, op codes 48..52): contracts/opml/kernels/ReductionKernel.sol
 * against its twin sdk/opml/kernels/reduction.ts, through the deployed executor. Malformed params are
 * refused with the same error by both; on fuzzed valid programs (random ranks, sizes, reduced dims,
 * operand sources) the executor's outputCount, termCount, initialAccumulator and operandsOf, and the
 * kernel's fold and epilogue on edge values (the 2^52 bound, saturation, .5 ties), equal the twin's,
 * reverts included; programs are built from the IR as documented; the largest steps' gas.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import type { Model } from "../../sdk/model.js";
import {
  INT256_MIN,
  OneStepRevert,
  type OperandRef,
  PARAM_LIMIT,
  elementAccumulators,
  initialAccumulator,
  modelProgram,
  operandsOf,
  outputCount,
  termCount,
} from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { REDUCTION, REDUCTION_OP, reductionKernel } from "../../sdk/opml/kernels/reduction.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { type OneStepExecutor, type ReductionKernel, ReductionKernel__factory } from "../../types/ethers-contracts/index.js";
import { integerInputs } from "../helpers/inputs.js";
import { traceCase } from "../helpers/oneStepSteps.js";
import { type GraphSpec, rng } from "../helpers/onnxBuilder.js";
import { loadSpec } from "./executorModels.js";

const { ethers } = await network.create();

const OPS = Object.values(REDUCTION_OP);
const LIMIT = 1n << 52n;
const INT256_MAX = (1n << 255n) - 1n;

/** A random well-formed reduction program: rank 0..5 (GlobalAveragePool 3..5, its spatial dims reduced), sizes 1..4. */
function randomProgram(op: number, seed: number): { op: number; params: bigint[] } {
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const gap = op === REDUCTION_OP.GlobalAveragePool;
  const rank = gap ? 3 + pick(3) : pick(6);
  const dims = Array.from({ length: rank }, (_, d) => [1 + pick(4), gap ? (d >= 2 ? 1 : 0) : pick(2)]).flat();
  const loc = [1 + pick(2), pick(3), pick(100)];
  // A = 1 and 33 are no activation width: ReduceSum's saturation refuses them (Semantics_BadActivationBits)
  const bits = [16, 16, 16, 8, 2, 32, 1, 33][pick(8)]!;
  return { op, params: [...loc, bits, rank, ...dims].map(BigInt) };
}

/** The twin's answer: the value, or the Solidity error it predicts, as "Name(args)". */
function twin<T>(f: () => T): { value?: T; error?: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    return { error: `${e.signature.split("(")[0]}(${e.args.join(",")})` };
  }
}

describe("OPML reduction kernel (family 2, op codes 48..52)", function () {
  this.timeout(600_000);
  let executor: OneStepExecutor;
  let kernel: ReductionKernel;

  /** The contract's answer in twin() form. */
  async function chain<T>(call: () => Promise<T>): Promise<{ value?: T; error?: string }> {
    try {
      return { value: await call() };
    } catch (e) {
      const data = (e as { data?: string }).data;
      if (!data) throw e;
      const parsed = executor.interface.parseError(data) ?? kernel.interface.parseError(data);
      if (!parsed) throw e;
      return { error: `${parsed.name}(${parsed.args.join(",")})` };
    }
  }

  before(async () => {
    const [signer] = await ethers.getSigners();
    executor = await deployOneStepExecutor(signer!);
    kernel = ReductionKernel__factory.connect(await executor.kernel2(), signer);
  });

  it("is deployed as family 2 and stays under EIP-170's 24 KB", async () => {
    expect(reductionKernel.family).to.equal(2);
    const size = (await ethers.provider.getCode(await kernel.getAddress())).length / 2 - 1;
    expect(size).to.be.below(24_576);
  });

  it("refuses malformed params with the twin's error (400 mutations of valid programs)", async () => {
    const special = [0n, 1n, 2n, 3n, PARAM_LIMIT - 1n, PARAM_LIMIT, 1n << 32n, 1n << 40n];
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          op: fc.constantFrom(...OPS),
          seed: fc.nat(),
          kind: fc.nat(6),
          at: fc.nat(),
          value: fc.oneof(fc.constantFrom(...special), fc.bigInt(0n, 1n << 70n)),
        }),
        async ({ op, seed, kind, at, value }) => {
          const p = randomProgram(op, seed);
          const params = [...p.params];
          let code: number = op;
          if (kind <= 1 && params.length > 0) params[at % params.length] = value;
          else if (kind === 2) params.push(value);
          else if (kind === 3) params.splice(at % params.length, 1);
          else if (kind === 4)
            code = 53 + (at % 11); // the family's free codes
          else if (kind === 5) {
            // sizes whose product passes 2^64 (each below it)
            params[REDUCTION.rank] = 3n;
            params.splice(REDUCTION.rank + 1, Infinity, 1n << 30n, 0n, 1n << 30n, 1n, 1n << 30n, 1n);
          } else if (kind === 6) {
            const flag = REDUCTION.rank + 2 + 2 * (at % 5); // a reduced flag of 2 (or a word too many)
            if (flag < params.length) params[flag] = 2n;
            else params.push(2n);
          }
          const bad = { op: code, params };
          // the executor's own checks (operands.ts), then the kernel's count as an exact bigint
          const want = twin(() => (outputCount(bad), reductionKernel.outputCount(bad)));
          const got = await chain(() => executor.outputCount(bad));
          expect(got, `op ${code} params [${params.join(", ")}]`).to.deep.equal(want);
          const key = want.error?.split("(")[0] ?? "accepted";
          seen.set(key, (seen.get(key) ?? 0) + 1);
        },
      ),
      { numRuns: 400, seed: 48 },
    );
    console.log(`      outcomes: ${[...seen].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    expect(seen.get("OneStep_BadParams") ?? 0).to.be.greaterThan(100);
    expect(seen.get("OneStep_UnknownOp") ?? 0).to.be.greaterThan(20);
    // GlobalAveragePool must reduce exactly the spatial dims of a rank >= 3 tensor
    const gap = { op: REDUCTION_OP.GlobalAveragePool, params: [1n, 0n, 0n, 16n, 2n, 2n, 0n, 3n, 1n] };
    expect(await chain(() => executor.outputCount(gap))).to.deep.equal({ error: `OneStep_BadParams(48,${REDUCTION.rank})` });
    const flags = { op: REDUCTION_OP.GlobalAveragePool, params: [1n, 0n, 0n, 16n, 3n, 2n, 1n, 3n, 1n, 4n, 1n] };
    expect(twin(() => outputCount(flags))).to.deep.equal({ error: `OneStep_BadParams(48,6)` });
    expect(await chain(() => executor.outputCount(flags))).to.deep.equal({ error: `OneStep_BadParams(48,6)` });
  });

  it("equals the twin on 600 fuzzed steps of valid programs: counts, acc_0, operands, fold and epilogue at the edges", async () => {
    const edges = [
      0n,
      1n,
      -1n,
      LIMIT - 1n,
      -(LIMIT - 1n),
      LIMIT,
      -LIMIT,
      LIMIT - 2n,
      INT256_MIN,
      INT256_MAX,
      32767n,
      -32768n,
      32768n,
      -32769n,
    ];
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          op: fc.constantFrom(...OPS),
          seed: fc.nat(),
          e: fc.nat(),
          t: fc.nat(),
          kind: fc.nat(3),
          raw: fc.bigInt(0n, 1n << 60n),
        }),
        async ({ op, seed, e, t, kind, raw }) => {
          const p = randomProgram(op, seed);
          const count = outputCount(p);
          const element = e % count;
          const K = termCount(p, element);
          const term = t % (K + 1);
          const pick = (x: bigint) => edges[Number(x % BigInt(edges.length))]!;
          // honest-looking values (activations, a running sum of them) or the edges of the bound
          const v = kind === 0 ? pick(raw) : (raw % 65536n) - 32768n;
          const acc = kind === 1 ? pick(raw >> 8n) : (((raw >> 16n) % 65536n) - 32768n) * BigInt(K) + ((raw >> 32n) % BigInt(2 * K));
          const [counts, acc0, refs] = await Promise.all([
            executor.termCount(p, element),
            executor.initialAccumulator(p, element),
            executor.operandsOf(p, element, term, acc),
          ]);
          expect(counts).to.equal(BigInt(K));
          expect(acc0).to.equal(initialAccumulator(p, element));
          const want: OperandRef[] = operandsOf(p, element, term, acc);
          expect(refs.map((x) => ({ source: Number(x.source), step: Number(x.step), index: Number(x.index) }))).to.deep.equal(want);
          const where = `op ${op} params [${p.params.join(", ")}] element ${element} term ${term} acc ${acc} v ${v}`;
          if (term < K) {
            const got = await chain(() => kernel.fold(p, element, term, acc, [v]));
            expect(got, where).to.deep.equal(twin(() => reductionKernel.fold(p, BigInt(element), BigInt(term), acc, [v])));
            const key = `fold ${got.error?.split("(")[0] ?? "ok"}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          } else {
            const got = await chain(() => kernel.epilogue(p, element, acc, []));
            expect(got, where).to.deep.equal(twin(() => reductionKernel.epilogue(p, BigInt(element), acc, [])));
            const key = `epilogue ${got.error?.split("(")[0] ?? "ok"}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 600, seed: 49 },
    );
    console.log(`      outcomes: ${[...seen].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    // the fuzz reached the reverts as well as the values
    for (const key of [
      "fold ok",
      "fold Semantics_Overflow",
      "epilogue ok",
      "epilogue Semantics_Overflow",
      "epilogue Semantics_BadActivationBits",
    ])
      expect(seen.get(key) ?? 0, key).to.be.greaterThan(0);
  });

  describe("programs from the IR, and gas", () => {
    const spec = (op: string, shape: number[], extra: Partial<GraphSpec["nodes"][number]> = {}): GraphSpec => ({
      inputs: [{ name: "x", shape }],
      outputs: [{ name: "y" }],
      nodes: [{ op, inputs: ["x"], outputs: ["y"], ...extra }],
    });

    it("encodes the loc, A, and each dim's size and reduced flag (keepdims changes nothing)", () => {
      const keep = loadSpec(spec("ReduceMax", [2, 3, 4], { ints: { axes: [0, 2] } }));
      const drop = loadSpec(spec("ReduceMax", [2, 3, 4], { ints: { axes: [0, 2] }, int: { keepdims: 0 } }));
      for (const model of [keep, drop]) {
        expect(modelProgram(model).programs[0]).to.deep.equal({ op: 51, params: [1n, 0n, 0n, 16n, 3n, 2n, 1n, 3n, 0n, 4n, 1n] });
      }
      const gap = loadSpec(spec("GlobalAveragePool", [1, 2, 3, 3]));
      expect(modelProgram(gap).programs[0]!.params).to.deep.equal([1n, 0n, 0n, 16n, 4n, 1n, 0n, 2n, 0n, 3n, 1n, 3n, 1n]);
    });

    it("the largest foldStep and epilogueStep per op, as a transaction, stay under 300k gas", async () => {
      const models: [string, Model][] = [
        ["GlobalAveragePool [1, 8, 16, 16]", loadSpec(spec("GlobalAveragePool", [1, 8, 16, 16]))],
        ["ReduceMean [2, 4, 8, 8] axes [1, 3]", loadSpec(spec("ReduceMean", [2, 4, 8, 8], { ints: { axes: [1, 3] } }))],
        ["ReduceSum [4, 4, 4, 4, 4] axes [0, 2, 4]", loadSpec(spec("ReduceSum", [4, 4, 4, 4, 4], { ints: { axes: [0, 2, 4] } }))],
        ["ReduceMax [2, 3, 4, 5, 6] all", loadSpec(spec("ReduceMax", [2, 3, 4, 5, 6]))],
        ["ReduceMin [16, 64] axes [1]", loadSpec(spec("ReduceMin", [16, 64], { ints: { axes: [1] } }))],
      ];
      const lines: string[] = [];
      let largest = 0n;
      for (const [name, model] of models) {
        const x = integerInputs(model.inputLength, 16, 5, 1)[4]!.map(BigInt);
        const trace = ExecutionTrace.of(model, x);
        const p = modelProgram(model).programs[0]!;
        let [fold, epi] = [0n, 0n];
        for (const e of [outputCount(p) - 1, 0]) {
          const { accs } = elementAccumulators(model, trace, 0, e);
          const K = termCount(p, e);
          for (const t of [K - 1, 0, K]) {
            const c = traceCase(model, trace, 0, e, t, accs[t]!);
            if (c.epilogue)
              epi = maxOf(epi, await executor.epilogueStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.acc, c.operands));
            else
              fold = maxOf(
                fold,
                await executor.foldStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.term, c.acc, c.operands),
              );
          }
        }
        lines.push(`${name}: fold ${fold}, epilogue ${epi}`);
        largest = maxOf(largest, maxOf(fold, epi));
      }
      console.log(`      gas (transaction, 21,000 and calldata included):\n        ${lines.join("\n        ")}`);
      expect(largest).to.be.below(300_000n);
    });
  });
});

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);
