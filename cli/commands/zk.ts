/** vinfer zk …: compile, prove, verify and inspect ZK circuits of a model. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type Command, Option } from "commander";

import { InputError, VinferError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { argmaxFlat } from "../../sdk/tensor.js";
import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { readInputFile } from "../../sdk/zoo/files.js";
import { EzklCircuit } from "../../sdk/zk/ezkl/backend.js";
import { calibrationSamples } from "../../sdk/zk/ezkl/calibration.js";
import { type Groth16Proof, Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { accumulatorBits } from "../../sdk/zk/groth16/costs.js";
import { consoleProgress } from "../../sdk/zk/progress.js";
import { printTimings, table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";

const BACKENDS = ["groth16", "ezkl"] as const;

interface ZkOptions {
  backend: (typeof BACKENDS)[number];
  calibration?: string;
  privateWeights?: boolean;
  ptau?: string;
  activationBits: number;
  fracBits: number;
  weightBits: number;
}

function withCommon(cmd: Command): Command {
  return addQuantOptions(
    cmd
      .addOption(new Option("--backend <name>", "proof system").choices(BACKENDS).makeOptionMandatory())
      .option("--private-weights", "weights as private signals committed by Poseidon (Gemm-only models)")
      .option("--ptau <file>", "groth16: powers-of-tau file from a public ceremony (default: cached INSECURE dev file)")
      .option("--calibration <file>", "ezkl: data file of samples to calibrate scales on (default: the model's data set)"),
  );
}

async function ezkl(ref: string, opts: ZkOptions): Promise<{ model: Model; circuit: EzklCircuit }> {
  const model = Model.load(ref, quantConfigOf(opts));
  if (opts.privateWeights) throw new InputError("--private-weights applies to the groth16 backend only");
  const circuit = await EzklCircuit.compile(model, {
    calibration: calibrationSamples(model, opts.calibration),
    progress: consoleProgress(),
  });
  console.error("warning: the SRS is an INSECURE development SRS (ezkl gen_srs); see docs/ezkl.md for the public KZG ceremony SRS");
  return { model, circuit };
}

async function groth16(ref: string, opts: ZkOptions, setup = true): Promise<{ model: Model; circuit: Groth16Circuit }> {
  const model = Model.load(ref, quantConfigOf(opts));
  const circuit = await Groth16Circuit.compile(model, {
    privateWeights: !!opts.privateWeights,
    setup,
    progress: consoleProgress(),
    ...(opts.ptau ? { ptau: opts.ptau } : {}),
  });
  if (setup && circuit.insecureSetup)
    console.error("warning: keys come from an INSECURE development powers of tau; use --ptau <ceremony file> in production");
  return { model, circuit };
}

function readProofJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new InputError(`cannot read proof file ${path}: ${(cause as Error).message}`);
  }
}

function readProof(path: string): Groth16Proof {
  const json = readProofJson(path);
  if (!json.proof || !Array.isArray(json.publicSignals)) throw new InputError(`${path} is not a proof file written by "vinfer zk prove"`);
  return json as unknown as Groth16Proof;
}

export function registerZk(program: Command): void {
  const zk = program.command("zk").description("zero-knowledge proofs of a model's integer inference");

  addQuantOptions(
    zk
      .command("info")
      .description("constraint count of each layer of the Groth16 circuit (no compilation: works for any size)")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
      .option("--private-weights", "plan the private-weights variant")
      .option("--json", "print JSON"),
  ).action((ref: string, opts) => {
    const model = Model.load(ref, quantConfigOf(opts));
    const plan = planCircuit(model.quantized, { privateWeights: !!opts.privateWeights, emit: false });
    if (opts.json) {
      console.log(JSON.stringify({ model: model.path, ...plan }, null, 2));
      return;
    }
    const rows = plan.layers.map((l) => {
      const q = model.quantized.nodes.get(l.node.split("+")[0]!);
      const acc =
        q && q.accumulatorBound > 0 && ["Gemm", "MatMul", "Conv"].some((op) => l.op.startsWith(op))
          ? String(accumulatorBits(q.accumulatorBound, q.shift, model.quantized.config.activationBits))
          : "";
      return [
        l.node,
        l.op,
        String(l.outputs),
        String(l.constraints),
        l.outputs ? (l.constraints / l.outputs).toFixed(1) : "",
        String(l.products),
        acc,
        l.detail,
      ];
    });
    console.log(table([["layer", "op", "outputs", "constraints", "per output", "products", "acc bits", "how"], ...rows]));
    console.log(
      `\ntotal ${plan.constraints} constraints; public signals: ${plan.publicSignals.length} (${plan.publicSignals.slice(0, 3).join(", ")}, …)`,
    );
  });

  withCommon(zk.command("compile").description("build the circuit and its proving/verifying keys (cached by content)"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .option("--no-setup", "stop after circom (witness generation only)")
    .action(async (ref: string, opts: ZkOptions & { setup: boolean }) => {
      if (opts.backend === "ezkl") {
        const { circuit } = await ezkl(ref, opts);
        console.log(`circuit ${circuit.dir}\nlogrows ${circuit.logrows}`);
        printTimings(circuit.timings);
        return;
      }
      const { circuit } = await groth16(ref, opts, opts.setup);
      console.log(`circuit ${circuit.dir}\nconstraints ${circuit.plan.constraints}`);
      printTimings(circuit.timings);
    });

  withCommon(zk.command("prove").description("prove one inference; writes the proof and public signals as JSON"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-i, --input <file>", 'JSON input ({"input": [...]} or the first sample of a data set)')
    .option("--binding <n>", "public binding field element (e.g. a request hash mod p)", "0")
    .option("-o, --out <file>", "where to write the proof", "proof.json")
    .action(async (ref: string, opts: ZkOptions & { input: string; binding: string; out: string }) => {
      const sample = readInputFile(opts.input).samples[0]!;
      if (opts.backend === "ezkl") {
        const { circuit } = await ezkl(ref, opts);
        const proof = await circuit.prove(sample, mkdtempSync(join(tmpdir(), "vinfer-ezkl-")), consoleProgress());
        copyFileSync(proof.path, opts.out);
        console.log(
          `outputs ${proof.outputs.map((v) => v.toFixed(4)).join(" ")} (EZKL's fixed point, rescaled)\nproof written to ${opts.out}`,
        );
        printTimings([...circuit.timings, ...proof.timings]);
        return;
      }
      const { model, circuit } = await groth16(ref, opts);
      const { inputs, outputs } = model.runInteger([sample]);
      let binding: bigint;
      try {
        binding = BigInt(opts.binding);
      } catch {
        throw new InputError(`--binding must be an integer, got "${opts.binding}"`);
      }
      const proof = await circuit.prove(
        { binding, x: inputs[0]!.data, ...(opts.privateWeights ? { w: model.commitment.tree.values } : {}) },
        consoleProgress(),
      );
      writeFileSync(
        opts.out,
        JSON.stringify({ backend: "groth16", model: model.path, modelId: model.modelId, circuit: circuit.dir, ...proof }, null, 1),
      );
      console.log(`outputs ${Array.from(outputs[0]!.data).join(" ")}\nproof written to ${opts.out}`);
      printTimings([...circuit.timings, ...proof.timings]);
    });

  withCommon(zk.command("verify").description("verify a proof file off-chain against the model's verifying key"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-p, --proof <file>", "proof JSON written by vinfer zk prove")
    .action(async (ref: string, opts: ZkOptions & { proof: string }) => {
      if (opts.backend === "ezkl") {
        const { circuit } = await ezkl(ref, opts);
        const json = readProofJson(opts.proof);
        const native = await circuit.verifyNative(opts.proof);
        const wasm = circuit.verifyWasm(json);
        if (!native || !wasm)
          throw new VinferError("PROOF_INVALID", `proof ${opts.proof} does NOT verify for this model (native ${native}, wasm ${wasm})`);
        console.log("valid proof (native EZKL and WASM engine)");
        return;
      }
      const { circuit } = await groth16(ref, opts);
      const proof = readProof(opts.proof);
      const t0 = performance.now();
      const ok = await circuit.verify(proof);
      const ms = performance.now() - t0;
      if (!ok) throw new VinferError("PROOF_INVALID", `proof ${opts.proof} does NOT verify for this model`);
      const d = circuit.decode(proof.publicSignals);
      console.log(`valid proof (${ms.toFixed(0)} ms): outputs ${d.outputs.join(" ")}, binding ${d.binding}`);
    });

  withCommon(zk.command("accuracy").description("argmax agreement of the circuit's outputs with float onnxruntime over a data set"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-i, --input <file>", "data set JSON (models/datasets/…)")
    .option("--limit <n>", "samples to use", "100")
    .action(async (ref: string, opts: ZkOptions & { input: string; limit: string }) => {
      const { samples: all, labels } = readInputFile(opts.input);
      const samples = all.slice(0, Number(opts.limit));
      let outputs: number[][];
      let model: Model;
      if (opts.backend === "ezkl") {
        const built = await ezkl(ref, opts);
        model = built.model;
        outputs = await built.circuit.outputs(samples, mkdtempSync(join(tmpdir(), "vinfer-ezkl-acc-")));
      } else {
        const built = await groth16(ref, opts, false);
        model = built.model;
        outputs = [];
        for (const s of samples) {
          const x = model.runInteger([s]).inputs[0]!.data;
          outputs.push((await built.circuit.evaluate({ binding: 0n, x })).outputs.map(Number));
        }
      }
      const { rows } = await compareWithOnnxRuntime(model, samples, labels?.slice(0, samples.length));
      const agree = rows.filter((r, i) => argmaxFlat(outputs[i]!) === r.ortClass).length;
      const correct = labels ? rows.filter((r, i) => argmaxFlat(outputs[i]!) === r.label).length : undefined;
      console.log(
        table([
          ["backend", opts.backend],
          ["samples", String(samples.length)],
          ["argmax agreement with float onnxruntime", `${agree}/${samples.length} (${((100 * agree) / samples.length).toFixed(1)}%)`],
          ...(correct !== undefined ? [["accuracy of the circuit's outputs", `${correct}/${samples.length}`]] : []),
        ]),
      );
    });

  withCommon(zk.command("export-verifier").description("write the model's Solidity verifier contract"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .option("-o, --out <file>", "output .sol file", "Groth16Verifier.sol")
    .action(async (ref: string, opts: ZkOptions & { out: string }) => {
      const { circuit } = opts.backend === "ezkl" ? await ezkl(ref, opts) : await groth16(ref, opts);
      writeFileSync(opts.out, circuit.verifierSource());
      console.log(`verifier written to ${opts.out}`);
    });
}
