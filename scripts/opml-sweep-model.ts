/**
 * The OPML sweep model (`npm run models:opml-1e7`): a random-weight MLP
 * 256 -> 3072 -> 3072 -> 10 (ReLU), 10,260,490 parameters, generated
 * deterministically (seeded PRNG, He-normal weights as models/build_zoo.py
 * draws them) and written as ONNX with the SDK's own onnx.proto, no Python.
 * The input stays small (256 values travel in calldata); the weights are what
 * make it large, and an OPML claim commits to them by the model id only.
 *
 * It goes to build/models/sweep-mlp-1e7/ (git-ignored, with manifest.json and
 * input.json like the zoo's models), not models/: the zoo folder is what the
 * commitment vectors and the per-model test loops enumerate, and a 41 MB model
 * would slow every one of them. Refer to it by its folder:
 * `vinfer run build/models/sweep-mlp-1e7`.
 *
 * Then it measures what an OPML operator pays for it: Model.load (decode +
 * quantize), the commitment (model id, weights tree), one runQuantized, the
 * execution trace (ExecutionTrace.of) and its memory, and writes them to
 * measurements.json next to the model.
 *
 * Options: --width <n> (hidden width, default 3072), --input <n> (default 256),
 * --out <folder>, --no-measure, --force (regenerate even if the files exist).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import protobuf from "protobufjs";

import { elementAccumulators, openOperands } from "../sdk/opml/accumulators.js";
import { buildClaim } from "../sdk/opml/claim.js";
import { modelProgram } from "../sdk/opml/program.js";
import { ExecutionTrace } from "../sdk/opml/trace.js";
import { Model } from "../sdk/model.js";
import { PACKAGE_ROOT } from "../sdk/paths.js";

/** The zoo's seed (models/build_zoo.py), mixed with the layer sizes. */
const SEED = 20261124;
const OUTPUTS = 10;
const OPSET = 13;
const ONNX_FLOAT = 1;

const { values: args } = parseArgs({
  options: {
    width: { type: "string", default: "3072" },
    input: { type: "string", default: "256" },
    out: { type: "string" },
    "no-measure": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
  },
});
const WIDTH = Number(args.width);
const INPUT = Number(args.input);
if (!Number.isInteger(WIDTH) || WIDTH < 1 || !Number.isInteger(INPUT) || INPUT < 1)
  throw new Error("--width and --input must be positive integers");
const PARAMS = INPUT * WIDTH + WIDTH + WIDTH * WIDTH + WIDTH + WIDTH * OUTPUTS + OUTPUTS;
const TAG = `1e${Math.round(Math.log10(PARAMS))}`;
const NAME = `sweep-mlp-${TAG}`;
const OUT = args.out ?? join(PACKAGE_ROOT, "build", "models", NAME);

/** sfc32, seeded through splitmix32: small, fast, and the same stream on every platform. */
function prng(...seeds: number[]): () => number {
  let s = 0;
  const mix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  for (const v of seeds) s = (s ^ v) | 0;
  let a = mix(),
    b = mix(),
    c = mix(),
    d = mix();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** He-normal float32 values (std sqrt(2 / fanIn)), by Box-Muller, times `scale`. */
function he(next: () => number, count: number, fanIn: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  const std = Math.sqrt(2 / fanIn) * scale;
  for (let i = 0; i < count; i += 2) {
    const u = 1 - next(); // (0, 1]: log is finite
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

interface Layer {
  readonly tag: string;
  readonly weight: Float32Array; // [out, in] (transB = 1, as PyTorch's Linear)
  readonly bias: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
}

function layers(): Layer[] {
  const next = prng(SEED, INPUT, WIDTH);
  const sizes: [string, number, number][] = [
    ["fc1", INPUT, WIDTH],
    ["fc2", WIDTH, WIDTH],
    ["fc3", WIDTH, OUTPUTS],
  ];
  return sizes.map(([tag, inputs, outputs]) => ({
    tag,
    inputs,
    outputs,
    weight: he(next, outputs * inputs, inputs),
    bias: he(next, outputs, inputs, 0.1),
  }));
}

/** The float forward pass (float64 over the float32 values), for input.json's expected output. */
function forward(ls: readonly Layer[], x: Float32Array): Float64Array {
  let h = Float64Array.from(x);
  for (const [i, l] of ls.entries()) {
    const y = new Float64Array(l.outputs);
    for (let o = 0; o < l.outputs; o++) {
      let acc = l.bias[o]!;
      const row = o * l.inputs;
      for (let k = 0; k < l.inputs; k++) acc += h[k]! * l.weight[row + k]!;
      y[o] = i < ls.length - 1 ? Math.max(0, acc) : acc;
    }
    h = y;
  }
  return h;
}

function raw(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function onnxBytes(ls: readonly Layer[]): Uint8Array {
  const root = protobuf.loadSync(join(PACKAGE_ROOT, "sdk", "onnx", "onnx.proto"));
  const ModelProto = root.lookupType("onnx.ModelProto");
  const valueInfo = (name: string, shape: number[]) => ({
    name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
  const nodes: object[] = [];
  const initializers: object[] = [];
  let x = "input";
  for (const [i, l] of ls.entries()) {
    const last = i === ls.length - 1;
    const out = last ? "output" : `${l.tag}_out`;
    nodes.push({
      name: l.tag,
      opType: "Gemm",
      domain: "",
      input: [x, `${l.tag}.weight`, `${l.tag}.bias`],
      output: [out],
      attribute: [{ name: "transB", type: 2, i: 1 }],
    });
    initializers.push({ name: `${l.tag}.weight`, dims: [l.outputs, l.inputs], dataType: ONNX_FLOAT, rawData: raw(l.weight) });
    initializers.push({ name: `${l.tag}.bias`, dims: [l.outputs], dataType: ONNX_FLOAT, rawData: raw(l.bias) });
    x = out;
    if (!last) {
      const relu = `hidden${i + 1}`;
      nodes.push({ name: `relu_${relu}`, opType: "Relu", domain: "", input: [out], output: [relu], attribute: [] });
      x = relu;
    }
  }
  const model = {
    irVersion: 8,
    producerName: "vinfer-opml-sweep",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: NAME,
      node: nodes,
      initializer: initializers,
      input: [valueInfo("input", [1, INPUT])],
      output: [valueInfo("output", [1, OUTPUTS])],
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`bug: invalid ONNX model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** JSON as build_zoo.py's write_json writes it: sorted keys, indent 1. */
function writeJson(path: string, value: unknown): void {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  writeFileSync(path, `${JSON.stringify(sort(value), null, 1)}\n`);
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const timed = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const r = fn();
  return [r, Math.round(performance.now() - t0)];
};

function generate(): number {
  const t0 = performance.now();
  const ls = layers();
  const next = prng(SEED, INPUT, WIDTH, 1);
  const x = new Float32Array(INPUT);
  for (let i = 0; i < INPUT; i++) x[i] = next();
  const y = forward(ls, x);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "model.onnx"), onnxBytes(ls));
  writeJson(join(OUT, "manifest.json"), {
    description: `random-weight MLP ${INPUT}-${WIDTH}-${WIDTH}-${OUTPUTS} (ReLU), OPML sweep (scripts/opml-sweep-model.ts)`,
    input: { name: "input", shape: [1, INPUT] },
    name: NAME,
    ops: { Gemm: 3, Relu: 2 },
    opset: OPSET,
    output: { name: "output", shape: [1, OUTPUTS] },
    parameters: PARAMS,
    seed: SEED,
    synthetic: true,
  });
  writeJson(join(OUT, "input.json"), { input: Array.from(x), shape: [1, INPUT], expected_float_output: Array.from(y) });
  return Math.round(performance.now() - t0);
}

const modelFile = join(OUT, "model.onnx");
let generationMs: number | undefined;
if (args.force || !existsSync(modelFile)) {
  generationMs = generate();
  console.log(`${NAME}: ${PARAMS.toLocaleString("en")} parameters written to ${OUT} in ${generationMs} ms`);
} else {
  console.log(`${NAME}: ${modelFile} exists (--force regenerates it)`);
}
const sha256 = createHash("sha256").update(readFileSync(modelFile)).digest("hex");
console.log(`  model.onnx ${mb(statSync(modelFile).size)} MiB, sha256 ${sha256}`);

if (!args["no-measure"]) {
  const rss0 = process.memoryUsage().rss;
  const [model, loadMs] = timed(() => Model.load(OUT));
  const [commitment, commitMs] = timed(() => model.commitment);
  const sample = JSON.parse(readFileSync(join(OUT, "input.json"), "utf8")) as { input: number[] };
  const input = model.quantizedInput([{ dtype: "float32", shape: [1, INPUT], data: Float64Array.from(sample.input) }]);
  const [outputs, runMs] = timed(() => model.runQuantized(input));
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const [trace, traceMs] = timed(() => ExecutionTrace.of(model, input));
  const heap1 = process.memoryUsage().heapUsed;
  // What an OPML claimer and a game's last steps cost on it: the node programs (program root),
  // the claim (trace + evidence), one element's running sums of the widest layer (fc2, node 2:
  // 3072 terms) and the openings of one fold step (a weight opened against the 10^7-weight tree).
  const [program, programMs] = timed(() => modelProgram(model));
  const [claim, claimMs] = timed(() => buildClaim(model, input));
  const [sums, sumsMs] = timed(() => elementAccumulators(model, trace, 2, 0));
  const [operands, openMs] = timed(() => openOperands(model, trace, 2, 0, 1_000, sums.accs[1_000]!));
  const measurements = {
    model: NAME,
    parameters: PARAMS,
    onnxBytes: statSync(modelFile).size,
    sha256,
    generationMs: generationMs ?? null,
    loadAndQuantizeMs: loadMs,
    commitMs,
    modelId: commitment.modelId,
    weightCount: commitment.weightCount,
    runQuantizedMs: runMs,
    traceMs,
    traceSteps: trace.steps.length,
    traceRoot: trace.root,
    traceHeapMiB: mb(heap1 - heap0),
    programMs,
    programRoot: program.root,
    claimMs,
    evidenceBytes: (claim.evidence.length - 2) / 2,
    elementSumsMs: sumsMs,
    elementTerms: sums.accs.length - 1,
    foldOpeningsMs: openMs,
    foldOperands: operands.length,
    rssAfterLoadMiB: mb(process.memoryUsage().rss),
    rssGrowthMiB: mb(process.memoryUsage().rss - rss0),
    output: Array.from(outputs[0]!.data),
    node: process.version,
  };
  writeFileSync(join(OUT, "measurements.json"), `${JSON.stringify(measurements, null, 2)}\n`);
  console.log(
    [
      `  Model.load + quantize  ${loadMs} ms`,
      `  commitment (model id)  ${commitMs} ms   ${commitment.modelId}`,
      `  runQuantized           ${runMs} ms`,
      `  ExecutionTrace.of      ${traceMs} ms, ${trace.steps.length} steps, heap +${measurements.traceHeapMiB} MiB`,
      `  modelProgram           ${programMs} ms   program root ${program.root}`,
      `  buildClaim             ${claimMs} ms, evidence ${measurements.evidenceBytes} bytes`,
      `  one element's sums     ${sumsMs} ms (${measurements.elementTerms} terms, fc2)`,
      `  one fold's openings    ${openMs} ms (${operands.length} operands)`,
      `  process RSS            ${measurements.rssAfterLoadMiB} MiB`,
      `  written to ${join(OUT, "measurements.json")}`,
    ].join("\n"),
  );
}
