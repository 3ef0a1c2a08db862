/**
 * EZKL (Halo2-KZG) backend on digits-mlp: a proof made natively verifies in
 * the WASM engine and on chain through the EZKL-generated verifier; tampered
 * instances, another input's hash and random bytes are rejected; EZKL's
 * quantized outputs agree with float onnxruntime.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import "../helpers/releaseWorkers.js";
import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { argmaxFlat } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { type EzklProof, EzklCircuit, EzklError } from "../../sdk/zk/ezkl/backend.js";
import { BUILD_DIR } from "../../sdk/zk/artifacts.js";

const { ethers } = await network.create();

describe("EZKL backend (digits-mlp)", function () {
  const model = Model.load("digits-mlp");
  const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
  const work = join(BUILD_DIR, "test-ezkl");
  let circuit: EzklCircuit;
  let proofA: EzklProof;
  let proofB: EzklProof;
  let verifier: string;

  before(async () => {
    circuit = await EzklCircuit.compile(model, { calibration: data.samples.slice(0, 20) });
    proofA = await circuit.prove(data.samples[0]!, join(work, "a"));
    proofB = await circuit.prove(data.samples[1]!, join(work, "b"));
    const { abi, bytecode } = circuit.verifierContract();
    const [signer] = await ethers.getSigners();
    const c = await new ethers.ContractFactory(abi as never, bytecode, signer).deploy();
    verifier = await c.getAddress();
  });

  /** A copy of proof A's file with its instances changed, and its verifyProof calldata. */
  async function tampered(name: string, change: (instances: string[]) => void): Promise<{ path: string; json: unknown; calldata: string }> {
    const json = JSON.parse(readFileSync(proofA.path, "utf8")) as { instances: string[][] };
    change(json.instances[0]!);
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify(json));
    return { path, json, calldata: await circuit.calldata(path) };
  }

  async function verifiesOnChain(calldata: string): Promise<boolean> {
    try {
      const ret = await ethers.provider.call({ to: verifier, data: calldata });
      return BigInt(ret) === 1n;
    } catch {
      return false;
    }
  }

  it("verifies a native proof natively, in the WASM engine, and on chain (gas printed)", async () => {
    expect(await circuit.verifyNative(proofA.path)).to.equal(true);
    expect(circuit.verifyWasm(proofA.json)).to.equal(true);
    const calldata = await circuit.calldata(proofA.path);
    expect(await verifiesOnChain(calldata)).to.equal(true);
    const gas = await ethers.provider.estimateGas({ to: verifier, data: calldata });
    console.log(`      Halo2Verifier.verifyProof gas (transaction estimate): ${gas}; logrows ${circuit.logrows}`);
  });

  it("verifies natively a proof made in the WASM engine (both directions are compatible)", async () => {
    const wasmProof = circuit.proveWasm(join(work, "b", "witness.json"));
    const path = join(work, "wasm-proof.json");
    writeFileSync(path, JSON.stringify(wasmProof));
    expect(await circuit.verifyNative(path)).to.equal(true);
  });

  it("names the EZKL stage that fails on a broken model and leaves no artefact folder behind", async () => {
    const root = mkdtempSync(join(tmpdir(), "vinfer-ezkl-broken-"));
    const broken = join(root, "broken.onnx");
    writeFileSync(broken, readFileSync(model.path).subarray(0, 2000));
    try {
      await EzklCircuit.compileFile(broken, "broken", { calibration: data.samples.slice(0, 2), buildRoot: root });
      expect.fail("compiled a broken model");
    } catch (e) {
      expect(e).to.be.instanceOf(EzklError);
      expect((e as EzklError).stage).to.equal("settings");
      expect((e as Error).message).to.match(/^EZKL stage "settings" failed: /);
    }
    expect(existsSync(join(root, "ezkl"))).to.equal(true);
    expect(readdirSync(join(root, "ezkl"))).to.deep.equal([]);
  });

  it("proves the class onnxruntime predicts", () => {
    expect(argmaxFlat(Float64Array.from(proofA.outputs))).to.equal(argmaxFlat(model.runFloat([data.samples[0]!])[0]!.data));
  });

  it("rejects a flipped output instance", async () => {
    const last = (i: string[]) => i.length - 1;
    const forged = await tampered("flipped", (i) => void (i[last(i)] = i[last(i) - 1]!));
    expect(await circuit.verifyNative(forged.path)).to.equal(false);
    expect(circuit.verifyWasm(forged.json)).to.equal(false);
    expect(await verifiesOnChain(forged.calldata)).to.equal(false);
  });

  it("rejects the proof presented with another input's hash", async () => {
    const otherHash = proofB.json.instances[0]![0]!;
    expect(otherHash).to.not.equal(proofA.json.instances[0]![0]);
    const forged = await tampered("other-input", (i) => void (i[0] = otherHash));
    expect(await verifiesOnChain(forged.calldata)).to.equal(false);
    expect(circuit.verifyWasm(forged.json)).to.equal(false);
  });

  it("rejects random bytes as a proof", async () => {
    const calldata = await circuit.calldata(proofA.path);
    const garbage = calldata.slice(0, 10) + ethers.hexlify(ethers.randomBytes((calldata.length - 10) / 2)).slice(2);
    expect(await verifiesOnChain(garbage)).to.equal(false);
    const json = JSON.parse(readFileSync(proofA.path, "utf8")) as { proof: unknown; hex_proof?: string };
    json.hex_proof = ethers.hexlify(ethers.randomBytes(512));
    json.proof = Array.from(ethers.randomBytes(512));
    expect(circuit.verifyWasm(json)).to.equal(false);
  });

  it("agrees with float onnxruntime argmax on >= 98% of 100 test samples", async () => {
    const samples = data.samples.slice(0, 100);
    const ezklOutputs = await circuit.outputs(samples, join(work, "accuracy"));
    const { rows } = await compareWithOnnxRuntime(model, samples);
    const agree = rows.filter((r, i) => argmaxFlat(Float64Array.from(ezklOutputs[i]!)) === r.ortClass).length;
    console.log(`      EZKL vs onnxruntime argmax agreement: ${agree}/100`);
    expect(agree).to.be.at.least(98);
  });
});

describe("EZKL backend (digits-cnn)", function () {
  it("verifies a native proof on chain and rejects a flipped output instance", async () => {
    const model = Model.load("digits-cnn");
    const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
    const circuit = await EzklCircuit.compile(model, { calibration: data.samples.slice(0, 20) });
    const proof = await circuit.prove(data.samples[0]!, join(BUILD_DIR, "test-ezkl", "cnn"));
    const { abi, bytecode, deployedBytecode } = circuit.verifierContract();
    const [signer] = await ethers.getSigners();
    const verifier = await (await new ethers.ContractFactory(abi as never, bytecode, signer).deploy()).getAddress();
    const onChain = async (data: string) => {
      try {
        return BigInt(await ethers.provider.call({ to: verifier, data })) === 1n;
      } catch {
        return false;
      }
    };
    const calldata = await circuit.calldata(proof.path);
    expect(await onChain(calldata)).to.equal(true);
    const gas = await ethers.provider.estimateGas({ to: verifier, data: calldata });
    console.log(
      `      digits-cnn: logrows ${circuit.logrows}, verifier ${(deployedBytecode.length - 2) / 2} bytes, verifyProof gas ${gas}`,
    );
    const json = JSON.parse(readFileSync(proof.path, "utf8")) as { instances: string[][] };
    const inst = json.instances[0]!;
    inst[inst.length - 1] = inst[inst.length - 2]!;
    const forged = join(BUILD_DIR, "test-ezkl", "cnn", "flipped.json");
    writeFileSync(forged, JSON.stringify(json));
    expect(await onChain(await circuit.calldata(forged))).to.equal(false);
    expect(circuit.verifyWasm(json)).to.equal(false);
  });
});
