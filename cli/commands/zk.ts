/** vinfer zk …: compile, prove, verify and inspect ZK circuits of a model, with any ZK proof system of the registry. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type Command, Option } from "commander";

import { InputError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { argmaxFlat } from "../../sdk/tensor.js";
import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { isLinearOp } from "../../sdk/ops/index.js";
import { zkBackends } from "../../sdk/proofs/registry.js";
import { pickSample, readModelInputs } from "../../sdk/io/inputFile.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { accumulatorBits } from "../../sdk/zk/groth16/costs.js";
import { PROVER_CHOICES, type ProverChoice } from "../../sdk/zk/groth16/native.js";
import type { ZkCircuit } from "../../sdk/zk/zkBackend.js";
import { table, timingsJson, timingsText } from "../format.js";
import { addQuantOptions, nonNegativeInteger, positiveInteger, quantConfigOf } from "../options.js";
import { out, writeOutputFile } from "../output.js";

interface ZkOptions {
  backend: string;
  calibration?: string;
  privateWeights?: boolean;
  ptau?: string;
  prover?: ProverChoice;
  activationBits: number;
  fracBits: number;
  weightBits: number;
}

function withCommon(cmd: Command): Command {
  return addQuantOptions(
    cmd
      .addOption(new Option("--backend <name>", "proof system").choices([...zkBackends().keys()]).makeOptionMandatory())
      .option("--private-weights", "groth16: weights as private signals committed by Poseidon (Gemm-only models)")
      .option("--ptau <file>", "groth16: powers-of-tau file from a public ceremony (default: cached INSECURE dev file)")
      .addOption(
        new Option("--prover <which>", "groth16: native (multi-threaded, npm run build:native), snarkjs, or auto (native where built)")
          .choices([...PROVER_CHOICES])
          .env("VINFER_GROTH16_PROVER"),
      )
      .option("--calibration <file>", "ezkl: data file of samples to calibrate scales on (default: the model's data set)"),
  );
}

/** The model and its circuit in the chosen backend; `setup: false` stops before the keys where the backend can. */
async function compile(ref: string | Model, opts: ZkOptions, setup = true): Promise<{ model: Model; circuit: ZkCircuit }> {
  const model = typeof ref === "string" ? Model.load(ref, quantConfigOf(opts)) : ref;
  const circuit = await zkBackends()
    .get(opts.backend)!
    .compile(model, {
      setup,
      privateWeights: !!opts.privateWeights,
      progress: out.progress(),
      ...(opts.ptau ? { ptau: opts.ptau } : {}),
      ...(opts.prover ? { prover: opts.prover } : {}),
      ...(opts.calibration ? { calibration: opts.calibration } : {}),
    });
  if (circuit.setupWarning) out.warn(circuit.setupWarning);
  return { model, circuit };
}

/** What every `vinfer zk` result starts with. */
function about(model: Model, opts: ZkOptions): { backend: string; model: string; modelId: string } {
  return { backend: opts.backend, model: model.path, modelId: model.modelId };
}

/** The circuit's size lines ("constraints 2421", "logrows 15") as an object, numbers as numbers. */
function sizeOf(circuit: ZkCircuit): Record<string, string | number> {
  return Object.fromEntries(
    circuit.describe().map((line) => {
      const [key, ...rest] = line.split(" ");
      const value = rest.join(" ");
      return [key!, /^\d+$/.test(value) ? Number(value) : value];
    }),
  );
}

function readProofJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new InputError(`cannot read proof file ${path}: ${(cause as Error).message}`);
  }
}

function bindingOption(value: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new InputError(`--binding must be an integer, got "${value}"`);
  }
}

export function registerZk(program: Command): void {
  const zk = program.command("zk").description("zero-knowledge proofs of a model's integer inference");

  addQuantOptions(
    zk
      .command("info")
      .description("constraint count of each layer of the Groth16 circuit (no compilation: works for any size)")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
      .option("--private-weights", "plan the private-weights variant")
      .option("--json", "print the plan as one JSON document"),
  ).action((ref: string, opts) => {
    const model = Model.load(ref, quantConfigOf(opts));
    const plan = planCircuit(model.quantized, { privateWeights: !!opts.privateWeights, emit: false });
    out.result({ model: model.path, ...plan }, () => {
      const rows = plan.layers.map((l) => {
        const q = model.quantized.nodes.get(l.node.split("+")[0]!);
        const acc =
          q && q.accumulatorBound > 0 && isLinearOp(l.op.split("+")[0]!)
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
      return [
        table([["layer", "op", "outputs", "constraints", "per output", "products", "acc bits", "how"], ...rows]),
        `\ntotal ${plan.constraints} constraints; public signals: ${plan.publicSignals.length} (${plan.publicSignals.slice(0, 3).join(", ")}, …)`,
      ].join("\n");
    });
  });

  withCommon(zk.command("compile").description("build the circuit and its proving/verifying keys (cached by content)"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .option("--no-setup", "groth16: stop after circom (witness generation only)")
    .option("--json", "print the circuit's folder, size and timings as one JSON document")
    .action(async (ref: string, opts: ZkOptions & { setup: boolean }) => {
      const { model, circuit } = await compile(ref, opts, opts.setup);
      out.result(
        { ...about(model, opts), circuit: circuit.dir, setup: opts.setup, size: sizeOf(circuit), timings: timingsJson(circuit.timings) },
        () => [`circuit ${circuit.dir}`, ...circuit.describe(), timingsText(circuit.timings)].join("\n"),
      );
    });

  withCommon(zk.command("prove").description("prove one inference; writes the proof and public signals as JSON"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-i, --input <file>", "JSON input, any form `vinfer run` reads")
    .option("--sample <index>", "which sample of the file", nonNegativeInteger, 0)
    .option("--binding <n>", "groth16: public binding field element (e.g. a request hash mod p)", "0")
    .option("-o, --out <file>", "where to write the proof", "proof.json")
    .option("--json", "print what was proven (the proof file, its summary, timings) as one JSON document")
    .action(async (ref: string, opts: ZkOptions & { input: string; sample: number; binding: string; out: string }) => {
      const binding = bindingOption(opts.binding);
      // the input is read against the model before the (slow) compile, so a bad file fails at once
      const model = Model.load(ref, quantConfigOf(opts));
      const sample = pickSample(readModelInputs(opts.input, model.graph), opts.sample, opts.input);
      const { circuit } = await compile(model, opts);
      const proof = await circuit.prove(sample, {
        binding,
        workDir: mkdtempSync(join(tmpdir(), `vinfer-${opts.backend}-`)),
        progress: out.progress(),
      });
      writeOutputFile(opts.out, proof.content, "proof file");
      const timings = [...circuit.timings, ...proof.timings];
      out.result(
        {
          ...about(model, opts),
          sample: opts.sample,
          binding,
          proofFile: opts.out,
          summary: proof.summary,
          timings: timingsJson(timings),
        },
        () => `${proof.summary}\nproof written to ${opts.out}\n${timingsText(timings)}`,
      );
    });

  withCommon(zk.command("verify").description("verify a proof file off-chain against the model's verifying key"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-p, --proof <file>", "proof JSON written by vinfer zk prove")
    .option("--json", "print the verdict as one JSON document (a proof that does not verify exits 1, with no document)")
    .action(async (ref: string, opts: ZkOptions & { proof: string }) => {
      const json = readProofJson(opts.proof);
      const { model, circuit } = await compile(ref, opts);
      const summary = await circuit.verify(json, opts.proof);
      out.result({ ...about(model, opts), proofFile: opts.proof, valid: true, summary }, () => summary);
    });

  withCommon(zk.command("accuracy").description("argmax agreement of the circuit's outputs with float onnxruntime over a data set"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-i, --input <file>", "data set JSON (models/datasets/…), any form `vinfer run` reads")
    .option("--limit <n>", "samples to use", positiveInteger, 100)
    .option("--json", "print the figures as one JSON document")
    .action(async (ref: string, opts: ZkOptions & { input: string; limit: number }) => {
      const loaded = Model.load(ref, quantConfigOf(opts));
      const { samples: all, labels } = readModelInputs(opts.input, loaded.graph);
      const samples = all.slice(0, opts.limit);
      const { model, circuit } = await compile(loaded, opts, false);
      const outputs = await circuit.outputs(samples, mkdtempSync(join(tmpdir(), `vinfer-${opts.backend}-acc-`)));
      const { rows } = await compareWithOnnxRuntime(model, samples, labels?.slice(0, samples.length));
      const agree = rows.filter((r, i) => argmaxFlat(outputs[i]!) === r.ortClass).length;
      const correct = labels ? rows.filter((r, i) => argmaxFlat(outputs[i]!) === r.label).length : undefined;
      out.result(
        {
          ...about(model, opts),
          samples: samples.length,
          argmaxAgreement: agree / samples.length,
          agreeing: agree,
          ...(correct !== undefined ? { accuracy: correct / samples.length, correct } : {}),
        },
        () =>
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
    .option("--json", "print where the verifier was written as one JSON document")
    .action(async (ref: string, opts: ZkOptions & { out: string }) => {
      const { model, circuit } = await compile(ref, opts);
      writeOutputFile(opts.out, circuit.verifierSource(), "verifier contract");
      out.result({ ...about(model, opts), verifierFile: opts.out }, () => `verifier written to ${opts.out}`);
    });
}
