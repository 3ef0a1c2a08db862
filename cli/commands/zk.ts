/** vinfer zk …: compile, prove, verify and inspect ZK circuits of a model. */
import { readFileSync, writeFileSync } from "node:fs";

import { type Command, Option } from "commander";

import { InputError, VinferError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { readInputFile } from "../../sdk/zoo/files.js";
import { type Groth16Proof, Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { accumulatorBits } from "../../sdk/zk/groth16/costs.js";
import { consoleProgress } from "../../sdk/zk/progress.js";
import { table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";

const BACKENDS = ["groth16", "ezkl"] as const;

interface ZkOptions {
  backend: (typeof BACKENDS)[number];
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
      .option("--ptau <file>", "powers-of-tau file from a public ceremony (default: cached INSECURE dev file)"),
  );
}

async function groth16(ref: string, opts: ZkOptions, setup = true): Promise<{ model: Model; circuit: Groth16Circuit }> {
  if (opts.backend === "ezkl") {
    throw new VinferError("BACKEND_UNAVAILABLE", "the ezkl backend is not available in this version yet; use --backend groth16");
  }
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

function readProof(path: string): Groth16Proof {
  let json: { proof?: unknown; publicSignals?: unknown };
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new InputError(`cannot read proof file ${path}: ${(cause as Error).message}`);
  }
  if (!json.proof || !Array.isArray(json.publicSignals)) throw new InputError(`${path} is not a proof file written by "vinfer zk prove"`);
  return json as Groth16Proof;
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
      const { circuit } = await groth16(ref, opts, opts.setup);
      console.log(`circuit ${circuit.dir}\nconstraints ${circuit.plan.constraints}`);
      for (const t of circuit.timings) console.log(`  ${t.stage.padEnd(18)} ${(t.ms / 1000).toFixed(2)} s`);
    });

  withCommon(zk.command("prove").description("prove one inference; writes the proof and public signals as JSON"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-i, --input <file>", 'JSON input ({"input": [...]} or the first sample of a data set)')
    .option("--binding <n>", "public binding field element (e.g. a request hash mod p)", "0")
    .option("-o, --out <file>", "where to write the proof", "proof.json")
    .action(async (ref: string, opts: ZkOptions & { input: string; binding: string; out: string }) => {
      const { model, circuit } = await groth16(ref, opts);
      const sample = readInputFile(opts.input).samples[0]!;
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
      for (const t of [...circuit.timings, ...proof.timings]) console.log(`  ${t.stage.padEnd(18)} ${(t.ms / 1000).toFixed(2)} s`);
    });

  withCommon(zk.command("verify").description("verify a proof file off-chain against the model's verifying key"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .requiredOption("-p, --proof <file>", "proof JSON written by vinfer zk prove")
    .action(async (ref: string, opts: ZkOptions & { proof: string }) => {
      const { circuit } = await groth16(ref, opts);
      const proof = readProof(opts.proof);
      const t0 = performance.now();
      const ok = await circuit.verify(proof);
      const ms = performance.now() - t0;
      if (!ok) throw new VinferError("PROOF_INVALID", `proof ${opts.proof} does NOT verify for this model`);
      const d = circuit.decode(proof.publicSignals);
      console.log(`valid proof (${ms.toFixed(0)} ms): outputs ${d.outputs.join(" ")}, binding ${d.binding}`);
    });

  withCommon(zk.command("export-verifier").description("write the model's Solidity verifier contract"))
    .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
    .option("-o, --out <file>", "output .sol file", "Groth16Verifier.sol")
    .action(async (ref: string, opts: ZkOptions & { out: string }) => {
      const { circuit } = await groth16(ref, opts);
      writeFileSync(opts.out, circuit.verifierSource());
      console.log(`verifier written to ${opts.out}`);
    });
}
