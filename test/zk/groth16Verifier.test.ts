/**
 * Groth16 end to end for digits-mlp: set-up (INSECURE dev powers of tau),
 * proof, off-chain verification, and on-chain verification through the
 * generated Solidity verifier, with the attacks a verifier must reject.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import type { BaseContract } from "ethers";
import { network } from "hardhat";

import { SNARK_SCALAR_FIELD } from "../../sdk/commit/poseidon.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { type Groth16Proof, Groth16Circuit, verifierCalldata } from "../../sdk/zk/groth16/backend.js";
import { packInputs } from "../../sdk/zk/groth16/packing.js";
import { buildOnnx, rng } from "../helpers/onnxBuilder.js";

const { ethers } = await network.create();

type Verifier = BaseContract & {
  verifyProof: { staticCall(...a: unknown[]): Promise<boolean>; estimateGas(...a: unknown[]): Promise<bigint> };
};

async function deploy(circuit: Groth16Circuit): Promise<Verifier> {
  const { abi, bytecode } = circuit.verifierContract();
  const [signer] = await ethers.getSigners();
  const factory = new ethers.ContractFactory(abi as never, bytecode, signer);
  const c = await factory.deploy();
  await c.waitForDeployment();
  return c as unknown as Verifier;
}

async function verifiesOnChain(v: Verifier, p: Groth16Proof): Promise<boolean> {
  try {
    return await v.verifyProof.staticCall(...verifierCalldata(p));
  } catch {
    return false; // a revert is a rejection too
  }
}

/** A one-layer model with digits-mlp's public signal shape (64 inputs, 10 outputs) and random weights. */
function otherModel(): Model {
  const r = rng(64);
  const bytes = buildOnnx({
    inputs: [{ name: "x", shape: [1, 64] }],
    outputs: [{ name: "y", shape: [1, 10] }],
    nodes: [{ op: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"] }],
    initializers: [
      { name: "w", dims: [64, 10], floats: Array.from({ length: 640 }, () => r() - 0.5) },
      { name: "b", dims: [10], floats: Array.from({ length: 10 }, () => r() - 0.5) },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "vinfer-g16-"));
  try {
    writeFileSync(join(dir, "model.onnx"), bytes);
    return Model.load(join(dir, "model.onnx"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withSignal(p: Groth16Proof, index: number, value: bigint): Groth16Proof {
  const publicSignals = [...p.publicSignals];
  publicSignals[index] = value.toString();
  return { proof: p.proof, publicSignals };
}

describe("Groth16 proof of digits-mlp, verified off-chain and on-chain", function () {
  const model = Model.load("digits-mlp");
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  let circuit: Groth16Circuit;
  let verifier: Verifier;
  let proof: Groth16Proof;
  const binding = 0xc0ffeen;

  before(async () => {
    circuit = await Groth16Circuit.compile(model);
    verifier = await deploy(circuit);
    const { inputs } = model.runInteger([samples[0]!]);
    proof = await circuit.prove({ binding, x: inputs[0]!.data });
  });

  it("proves the integer interpreter's outputs on the input it exposes (packed)", () => {
    const decoded = circuit.decode(proof.publicSignals);
    const { inputs, outputs } = model.runInteger([samples[0]!]);
    expect(decoded.outputs.map(Number)).to.deep.equal(Array.from(outputs[0]!.data));
    expect(decoded.inputs).to.deep.equal(Array.from(inputs[0]!.data, BigInt));
    expect(decoded.binding).to.equal(binding);
    const packed = packInputs(Array.from(inputs[0]!.data, BigInt), 16);
    expect(circuit.plan.publicSignals.slice(1, 6)).to.deep.equal(["xPacked[0]", "xPacked[1]", "xPacked[2]", "xPacked[3]", "xPacked[4]"]);
    expect(proof.publicSignals.slice(1, 6)).to.deep.equal(packed.map(String));
  });

  it("verifies off-chain with snarkjs and on-chain with the generated verifier (gas printed)", async () => {
    expect(await circuit.verify(proof)).to.equal(true);
    expect(await verifiesOnChain(verifier, proof)).to.equal(true);
    const gas = await verifier.verifyProof.estimateGas(...verifierCalldata(proof));
    console.log(`      verifyProof gas (transaction estimate, ${proof.publicSignals.length} public signals): ${gas}`);
  });

  it("rejects a flipped output (output 3, inside the packed signal)", async () => {
    const yIndex = circuit.plan.publicSignals.indexOf("yPacked[0]");
    const forged = withSignal(proof, yIndex, BigInt(proof.publicSignals[yIndex]!) + (1n << (16n * 3n)));
    expect(await circuit.verify(forged)).to.equal(false);
    expect(await verifiesOnChain(verifier, forged)).to.equal(false);
  });

  it("rejects a proof presented for another input (one packed input signal, or all) or another binding", async () => {
    const other = model.runInteger([samples[1]!]).inputs[0]!.data;
    const { inputs } = await circuit.evaluate({ binding, x: other });
    const otherPacked = packInputs(inputs, 16);
    let substituted = 0;
    for (const [k, value] of otherPacked.entries()) {
      const index = circuit.plan.publicSignals.indexOf(`xPacked[${k}]`);
      if (BigInt(proof.publicSignals[index]!) === value) continue;
      const wrongInput = withSignal(proof, index, value);
      expect(await circuit.verify(wrongInput), `xPacked[${k}]`).to.equal(false);
      expect(await verifiesOnChain(verifier, wrongInput), `xPacked[${k}]`).to.equal(false);
      substituted++;
    }
    expect(substituted).to.be.greaterThan(0);
    const allInputs: Groth16Proof = {
      proof: proof.proof,
      publicSignals: proof.publicSignals.map((v, i) => {
        const name = circuit.plan.publicSignals[i]!;
        return name.startsWith("xPacked[") ? String(otherPacked[Number(name.slice(8, -1))]) : v;
      }),
    };
    expect(await verifiesOnChain(verifier, allInputs)).to.equal(false);
    const wrongBinding = withSignal(proof, circuit.plan.publicSignals.indexOf("binding"), binding + 1n);
    expect(await verifiesOnChain(verifier, wrongBinding)).to.equal(false);
  });

  it("rejects the same input rotated by one position in the packing", async () => {
    const x = Array.from(model.runInteger([samples[0]!]).inputs[0]!.data, BigInt);
    const rotated = packInputs([...x.slice(1), x[0]!], 16);
    const forged: Groth16Proof = {
      proof: proof.proof,
      publicSignals: proof.publicSignals.map((v, i) => (i >= 1 && i < 6 ? String(rotated[i - 1]) : v)),
    };
    expect(forged.publicSignals).to.not.deep.equal(proof.publicSignals);
    expect(await verifiesOnChain(verifier, forged)).to.equal(false);
  });

  it("rejects a public signal outside the field (no aliasing)", async () => {
    const aliased = withSignal(proof, 0, BigInt(proof.publicSignals[0]!) + SNARK_SCALAR_FIELD);
    expect(await verifiesOnChain(verifier, aliased)).to.equal(false);
  });

  it("rejects random proof bytes", async () => {
    const random = () => BigInt(ethers.hexlify(ethers.randomBytes(31))).toString();
    const garbage: Groth16Proof = {
      proof: {
        ...proof.proof,
        pi_a: [random(), random(), "1"],
        pi_b: [
          [random(), random()],
          [random(), random()],
          ["1", "0"],
        ],
        pi_c: [random(), random(), "1"],
      },
      publicSignals: proof.publicSignals,
    };
    expect(await circuit.verify(garbage)).to.equal(false);
    expect(await verifiesOnChain(verifier, garbage)).to.equal(false);
  });

  it("rejects a proof made with another model's key", async () => {
    const other = await Groth16Circuit.compile(otherModel());
    const x = model.runInteger([samples[0]!]).inputs[0]!.data;
    const otherProof = await other.prove({ binding, x });
    expect(await other.verify(otherProof)).to.equal(true);
    // the same public signal layout (10 outputs, 64 inputs in 5 packed signals, binding), same input and binding
    expect(other.plan.publicSignals).to.deep.equal(circuit.plan.publicSignals);
    expect(otherProof.publicSignals.slice(10)).to.deep.equal(proof.publicSignals.slice(10));
    expect(await verifiesOnChain(verifier, otherProof)).to.equal(false);
    expect(await circuit.verify(otherProof)).to.equal(false);
  });
});
