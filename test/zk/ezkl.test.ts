/**
 * EZKL (Halo2-KZG) backend on digits-mlp, input and outputs public: a proof
 * made from our integer input carries exactly that input as its first
 * instances, then the request binding's 11 limbs, then EZKL's outputs; it
 * verifies natively, in the WASM engine and on chain through the
 * EZKL-generated verifier, called as verifyProof(proofBytes, instances); a
 * changed input, binding or output instance, another input and random bytes
 * are rejected; EZKL's quantized outputs agree with float onnxruntime.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import "../helpers/releaseWorkers.js";
import { SNARK_SCALAR_FIELD } from "../../sdk/commit/poseidon.js";
import { InputError } from "../../sdk/errors.js";
import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { type Tensor, argmaxFlat } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { BINDING_LIMBS, bindingLimbs } from "../../sdk/zk/ezkl/binding.js";
import {
  type EzklQuantizedProof,
  EzklCircuit,
  EzklError,
  fromField,
  instanceHex,
  instanceValue,
  proofInstances,
  toField,
} from "../../sdk/zk/ezkl/backend.js";
import { cacheDir } from "../../sdk/paths.js";

const { ethers } = await network.create();

/** Our integer input for one float sample (sdk/quant: round(x·2^8)). */
const quantized = (model: Model, x: Tensor) => Array.from(model.runInteger([x]).inputs[0]!.data);

/** The deployed EZKL verifier: does verifyProof(proofBytes, instances) accept, and its gas estimate. */
async function deployVerifier(circuit: EzklCircuit) {
  const { abi, bytecode, deployedBytecode } = circuit.verifierContract();
  const [signer] = await ethers.getSigners();
  const address = await (await new ethers.ContractFactory(abi as never, bytecode, signer).deploy()).getAddress();
  const iface = new ethers.Interface(abi as never);
  const encode = (proofBytes: string, instances: readonly bigint[]) => iface.encodeFunctionData("verifyProof", [proofBytes, instances]);
  return {
    address,
    size: (deployedBytecode.length - 2) / 2,
    encode,
    /** eth_call of verifyProof; false when it returns false or reverts. */
    async accepts(proofBytes: string, instances: readonly bigint[]): Promise<boolean> {
      return acceptsCalldata(address, encode(proofBytes, instances));
    },
    acceptsCalldata: (data: string) => acceptsCalldata(address, data),
    gas: (proofBytes: string, instances: readonly bigint[]) =>
      ethers.provider.estimateGas({ to: address, data: encode(proofBytes, instances) }),
  };
}

async function acceptsCalldata(to: string, data: string): Promise<boolean> {
  try {
    return BigInt(await ethers.provider.call({ to, data })) === 1n;
  } catch {
    return false;
  }
}

/** instances with the one at `index` changed by +1. */
const bumped = (instances: readonly bigint[], index: number) => instances.map((v, i) => (i === index ? toField(fromField(v) + 1n) : v));

describe("EZKL backend (digits-mlp)", function () {
  const model = Model.load("digits-mlp");
  const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
  const sampleInput = readInputFile(join(ZOO_DIR, "digits-mlp", "input.json")).samples[0]!;
  const work = join(cacheDir(), "test-ezkl");
  let circuit: EzklCircuit;
  let proofA: EzklQuantizedProof;
  let proofB: EzklQuantizedProof;
  let verifier: Awaited<ReturnType<typeof deployVerifier>>;
  /** Proof B's binding: ten full 24-bit limbs (0xffffff) and a zero top limb. */
  const bindingB = 2n ** 240n - 1n;
  /** Instances 64..74 are the binding's limbs, 75..84 the outputs. */
  const [B0, Y0] = [64, 64 + BINDING_LIMBS];

  before(async () => {
    circuit = await EzklCircuit.compile(model, { calibration: data.samples.slice(0, 20) });
    proofA = await circuit.proveQuantized(quantized(model, data.samples[0]!), join(work, "a"));
    proofB = await circuit.proveQuantized(quantized(model, data.samples[1]!), join(work, "b"), undefined, bindingB);
    verifier = await deployVerifier(circuit);
  });

  /** A copy of proof A's file with its instances changed, and its verifyProof calldata from EZKL's encoder. */
  async function tampered(name: string, change: (instances: string[]) => void): Promise<{ path: string; json: unknown; calldata: string }> {
    const json = JSON.parse(readFileSync(proofA.path, "utf8")) as { instances: string[][] };
    change(json.instances[0]!);
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify(json));
    return { path, json, calldata: await circuit.calldata(path) };
  }

  it("uses our input scale for EZKL's inputs and weights, and ends at the same scale for its outputs", () => {
    expect(circuit.inputScale).to.equal(model.quantized.config.fracBits);
    expect(circuit.outputScales).to.deep.equal([model.quantized.config.fracBits]);
    expect([circuit.inputLength, circuit.bindingLength, circuit.outputLength]).to.deep.equal([64, BINDING_LIMBS, 10]);
  });

  it("verifies a native proof natively, in the WASM engine, and on chain as verifyProof(proofBytes, instances) (gas printed)", async () => {
    expect(await circuit.verifyNative(proofA.path)).to.equal(true);
    expect(circuit.verifyWasm(proofA.json)).to.equal(true);
    expect(await verifier.accepts(proofA.proofBytes, proofA.instances)).to.equal(true);
    const gas = await verifier.gas(proofA.proofBytes, proofA.instances);
    console.log(
      `      Halo2Verifier.verifyProof gas (transaction estimate), public input: ${gas}; logrows ${circuit.logrows}, verifier ${verifier.size} bytes`,
    );
  });

  it("lays out the instances as [inputs…, binding limbs…, outputs…], field elements with v < 0 as p - |v|, exactly as EZKL's calldata encoder", async () => {
    const x = quantized(model, data.samples[0]!).map(BigInt);
    expect(proofA.instances).to.have.length(64 + BINDING_LIMBS + 10);
    expect(proofA.inputs).to.deep.equal(x);
    expect(proofA.binding).to.equal(0n);
    expect(proofA.instances).to.deep.equal([...x, ...bindingLimbs(0n), ...proofA.outputs].map(toField));
    expect(proofB.binding).to.equal(bindingB);
    expect(proofB.instances.slice(B0, Y0)).to.deep.equal([...new Array<bigint>(10).fill(0xffffffn), 0n]);
    const negative = proofA.outputs.findIndex((v) => v < 0n);
    expect(negative).to.be.at.least(0);
    expect(proofA.instances[Y0 + negative]).to.equal(SNARK_SCALAR_FIELD + proofA.outputs[negative]!);
    expect(proofA.rescaledOutputs).to.deep.equal(proofA.outputs.map((v) => Number(v) / 2 ** circuit.outputScales[0]!));
    expect(proofInstances(proofA.json)).to.deep.equal(proofA.instances);
    expect(proofA.json.instances[0]!.map(instanceValue).map(instanceHex)).to.deep.equal(proofA.json.instances[0]);
    expect(await circuit.calldata(proofA.path)).to.equal(verifier.encode(proofA.proofBytes, proofA.instances));
  });

  it("proves exactly our quantized input: the zoo's sample input, test samples 0, 1 and 2", async () => {
    // Samples 0 and 1 are before()'s proofs A and B; each proof costs seconds, so they are not made twice.
    const samples: [number[], EzklQuantizedProof | undefined][] = [
      [quantized(model, sampleInput), undefined],
      [quantized(model, data.samples[0]!), proofA],
      [quantized(model, data.samples[1]!), proofB],
      [quantized(model, data.samples[2]!), undefined],
    ];
    for (const [i, [x, made]] of samples.entries()) {
      const proof = made ?? (await circuit.proveQuantized(x, join(work, `sample-${i}`)));
      expect(proof.inputs).to.deep.equal(x.map(BigInt));
      expect(proof.instances.slice(0, x.length)).to.deep.equal(x.map(toField));
      expect(await verifier.accepts(proof.proofBytes, proof.instances)).to.equal(true);
    }
  });

  it("rejects on chain a changed input instance, a changed binding limb and a changed output instance", async () => {
    const { proofBytes, instances } = proofA;
    for (const index of [0, 2, 63]) expect(await verifier.accepts(proofBytes, bumped(instances, index)), `input ${index}`).to.equal(false);
    for (const index of [B0, B0 + 5, Y0 - 1])
      expect(await verifier.accepts(proofBytes, bumped(instances, index)), `binding ${index}`).to.equal(false);
    for (const index of [Y0, Y0 + 9])
      expect(await verifier.accepts(proofBytes, bumped(instances, index)), `output ${index}`).to.equal(false);
    expect(await verifier.accepts(proofBytes, instances.slice(0, -1))).to.equal(false);
  });

  it("binds the proof to its binding: proof B fails with proof A's binding natively, in WASM and on chain", async () => {
    const swapped = [...proofB.instances.slice(0, B0), ...proofA.instances.slice(B0, Y0), ...proofB.instances.slice(Y0)];
    expect(await verifier.accepts(proofB.proofBytes, proofB.instances)).to.equal(true);
    expect(await verifier.accepts(proofB.proofBytes, swapped)).to.equal(false);
    const json = JSON.parse(readFileSync(proofB.path, "utf8")) as { instances: string[][] };
    json.instances[0]!.splice(B0, BINDING_LIMBS, ...proofA.json.instances[0]!.slice(B0, Y0));
    const path = join(work, "rebound.json");
    writeFileSync(path, JSON.stringify(json));
    expect(await circuit.verifyNative(path)).to.equal(false);
    expect(circuit.verifyWasm(json)).to.equal(false);
  });

  it("rejects a flipped output instance natively, in WASM and on chain", async () => {
    const last = (i: string[]) => i.length - 1;
    const forged = await tampered("flipped", (i) => void (i[last(i)] = i[last(i) - 1]!));
    expect(await circuit.verifyNative(forged.path)).to.equal(false);
    expect(circuit.verifyWasm(forged.json)).to.equal(false);
    expect(await verifier.acceptsCalldata(forged.calldata)).to.equal(false);
  });

  it("rejects the proof presented with another sample's input", async () => {
    expect(proofB.inputs).to.not.deep.equal(proofA.inputs);
    const instances = [...proofB.instances.slice(0, 64), ...proofA.instances.slice(64)];
    expect(await verifier.accepts(proofA.proofBytes, instances)).to.equal(false);
    const withBindingB = [...proofB.instances.slice(0, Y0), ...proofA.instances.slice(Y0)];
    expect(await verifier.accepts(proofA.proofBytes, withBindingB)).to.equal(false);
    const forged = await tampered("other-input", (i) => void i.splice(0, 64, ...proofB.json.instances[0]!.slice(0, 64)));
    expect(await verifier.acceptsCalldata(forged.calldata)).to.equal(false);
    expect(circuit.verifyWasm(forged.json)).to.equal(false);
  });

  it("rejects random bytes as a proof", async () => {
    const garbage = ethers.hexlify(ethers.randomBytes((proofA.proofBytes.length - 2) / 2));
    expect(await verifier.accepts(garbage, proofA.instances)).to.equal(false);
    const json = JSON.parse(readFileSync(proofA.path, "utf8")) as { proof: unknown; hex_proof?: string };
    json.hex_proof = ethers.hexlify(ethers.randomBytes(512));
    json.proof = Array.from(ethers.randomBytes(512));
    expect(circuit.verifyWasm(json)).to.equal(false);
  });

  it("verifies natively a proof made in the WASM engine (both directions are compatible)", async () => {
    const wasmProof = circuit.proveWasm(join(work, "b", "witness.json"));
    const path = join(work, "wasm-proof.json");
    writeFileSync(path, JSON.stringify(wasmProof));
    expect(await circuit.verifyNative(path)).to.equal(true);
  });

  it("refuses an input of the wrong length, not an integer, or outside EZKL's exact f32 range", async () => {
    const x = quantized(model, data.samples[0]!);
    for (const bad of [x.slice(1), [2 ** 24, ...x.slice(1)], [0.5, ...x.slice(1)]]) {
      try {
        await circuit.proveQuantized(bad, join(work, "bad"));
        expect.fail("proved a bad input");
      } catch (e) {
        expect(e).to.be.instanceOf(InputError);
      }
    }
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
    expect(argmaxFlat(Float64Array.from(proofA.outputs, Number))).to.equal(argmaxFlat(model.runFloat([data.samples[0]!])[0]!.data));
  });

  it("agrees with float onnxruntime argmax on >= 98% of 100 test samples (integer outputs vs ours printed)", async () => {
    const samples = data.samples.slice(0, 100);
    const ezklOutputs = await circuit.outputs(samples, join(work, "accuracy"));
    const { rows } = await compareWithOnnxRuntime(model, samples);
    const agree = rows.filter((r, i) => argmaxFlat(Float64Array.from(ezklOutputs[i]!)) === r.ortClass).length;
    // EZKL's integers at its output scale (8, ours) against our interpreter's: not the same
    // arithmetic (EZKL's weights at scale 8, bias at the output scale, ties away from zero)
    const scale = 2 ** circuit.outputScales[0]!;
    let equal = 0;
    let maxDiff = 0;
    samples.forEach((s, i) => {
      const ours = Array.from(model.runInteger([s]).outputs[0]!.data);
      const theirs = ezklOutputs[i]!.map((v) => v * scale);
      expect(theirs.every(Number.isInteger)).to.equal(true);
      if (theirs.every((v, k) => v === ours[k])) equal++;
      maxDiff = Math.max(maxDiff, ...theirs.map((v, k) => Math.abs(v - ours[k]!)));
    });
    console.log(
      `      EZKL vs onnxruntime argmax agreement: ${agree}/100; EZKL integer outputs equal to ours: ${equal}/100 (max |diff| ${maxDiff})`,
    );
    expect(agree).to.be.at.least(98);
  });
});

describe("EZKL backend (digits-cnn)", function () {
  it("proves our quantized input, verifies on chain and rejects a changed input or output instance", async () => {
    const model = Model.load("digits-cnn");
    const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
    const circuit = await EzklCircuit.compile(model, { calibration: data.samples.slice(0, 20) });
    expect([circuit.inputScale, ...circuit.outputScales]).to.deep.equal([8, 8]);
    const x = quantized(model, data.samples[0]!);
    const proof = await circuit.proveQuantized(x, join(cacheDir(), "test-ezkl", "cnn"));
    expect(proof.inputs).to.deep.equal(x.map(BigInt));
    const verifier = await deployVerifier(circuit);
    expect(await verifier.accepts(proof.proofBytes, proof.instances)).to.equal(true);
    const gas = await verifier.gas(proof.proofBytes, proof.instances);
    console.log(`      digits-cnn: logrows ${circuit.logrows}, verifier ${verifier.size} bytes, verifyProof gas ${gas}`);
    expect(await verifier.accepts(proof.proofBytes, bumped(proof.instances, 10))).to.equal(false);
    expect(await verifier.accepts(proof.proofBytes, bumped(proof.instances, x.length))).to.equal(false); // binding limb 0
    expect(await verifier.accepts(proof.proofBytes, bumped(proof.instances, x.length + BINDING_LIMBS))).to.equal(false); // output 0
    const json = JSON.parse(readFileSync(proof.path, "utf8")) as { instances: string[][] };
    const inst = json.instances[0]!;
    inst[inst.length - 1] = inst[inst.length - 2]!;
    expect(circuit.verifyWasm(json)).to.equal(false);
  });
});
