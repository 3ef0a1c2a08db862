/**
 * Groth16 end to end for digits-mlp: set-up (INSECURE dev powers of tau),
 * proof, off-chain verification, and on-chain verification through the
 * generated Solidity verifier, with the attacks a verifier must reject.
 */
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import type { BaseContract } from "ethers";
import { network } from "hardhat";

import { SNARK_SCALAR_FIELD } from "../../sdk/commit/poseidon.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { type Groth16Proof, Groth16Circuit, verifierCalldata } from "../../sdk/zk/groth16/backend.js";

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

  it("proves the integer interpreter's outputs", () => {
    const decoded = circuit.decode(proof.publicSignals);
    expect(decoded.outputs.map(Number)).to.deep.equal(Array.from(model.runInteger([samples[0]!]).outputs[0]!.data));
    expect(decoded.binding).to.equal(binding);
  });

  it("verifies off-chain with snarkjs and on-chain with the generated verifier (gas printed)", async () => {
    expect(await circuit.verify(proof)).to.equal(true);
    expect(await verifiesOnChain(verifier, proof)).to.equal(true);
    const gas = await verifier.verifyProof.estimateGas(...verifierCalldata(proof));
    console.log(`      verifyProof gas (transaction estimate, ${proof.publicSignals.length} public signals): ${gas}`);
  });

  it("rejects a flipped output", async () => {
    const yIndex = circuit.plan.publicSignals.indexOf("y[3]");
    const forged = withSignal(proof, yIndex, BigInt(proof.publicSignals[yIndex]!) + 1n);
    expect(await circuit.verify(forged)).to.equal(false);
    expect(await verifiesOnChain(verifier, forged)).to.equal(false);
  });

  it("rejects a proof presented for another input (input hash) or another binding", async () => {
    const other = model.runInteger([samples[1]!]).inputs[0]!.data;
    const { inputHash } = await circuit.evaluate({ binding, x: other });
    const wrongInput = withSignal(proof, circuit.plan.publicSignals.indexOf("inputHash"), inputHash);
    expect(await verifiesOnChain(verifier, wrongInput)).to.equal(false);
    const wrongBinding = withSignal(proof, circuit.plan.publicSignals.indexOf("binding"), binding + 1n);
    expect(await verifiesOnChain(verifier, wrongBinding)).to.equal(false);
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
    const other = await Groth16Circuit.compile(Model.load("sweep-mlp-1e2"));
    const x = new Array(8).fill(100);
    const otherProof = await other.prove({ binding, x });
    expect(await other.verify(otherProof)).to.equal(true);
    // same shape of public signals is impossible (8 vs 64 inputs both hash to one signal, but 10 outputs each)
    expect(otherProof.publicSignals.length).to.equal(proof.publicSignals.length);
    expect(await verifiesOnChain(verifier, otherProof)).to.equal(false);
    expect(await circuit.verify(otherProof)).to.equal(false);
  });
});
