/**
 * The native Groth16 tools (native/groth16) against snarkjs: the same
 * development powers of tau byte for byte, proofs of the same statements that
 * verify off-chain and on-chain, clear refusals of bad keys and witnesses.
 * Skipped, saying why, only where the binary is not built (no cargo); CI
 * builds it, and fails here if it did not.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";

import "../helpers/releaseWorkers.js";
import { VinferError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { Groth16Circuit, verifierCalldata } from "../../sdk/zk/groth16/backend.js";
import { nativeAvailable, nativeBinaryPath, nativeProve, resolveProver, runNative } from "../../sdk/zk/groth16/native.js";
import { devPtau, devPtauWithSnarkjs, requiredPower } from "../../sdk/zk/groth16/ptau.js";
import { snarkjsCurve } from "../../sdk/zk/groth16/workers.js";

const { ethers } = await network.create();

async function rejection(p: Promise<unknown>): Promise<VinferError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(VinferError);
    return e as VinferError;
  }
  return expect.fail("accepted");
}

describe("the native Groth16 tools", function () {
  const scratch = mkdtempSync(join(tmpdir(), "vinfer-native-"));
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;

  before(function () {
    if (nativeAvailable()) return;
    if (process.env.CI) throw new Error(`CI must build the native tools (npm run build:native): ${nativeBinaryPath()} is missing`);
    console.log(`      skipped: ${nativeBinaryPath()} is not built (no cargo here); npm run build:native builds it`);
    this.skip();
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("write the development powers of tau that snarkjs writes for the same published secrets, byte for byte", async () => {
    // snarkjs: sections 2-6 by batched key application, the Lagrange sections 12-15 by its FFTs over curve points
    await devPtauWithSnarkjs(7, join(scratch, "snarkjs.ptau"));
    await runNative(["dev-ptau", "--power", "7", "--out", join(scratch, "native.ptau")]);
    const native = readFileSync(join(scratch, "native.ptau"));
    expect(native.length).to.equal(147_392); // 11 sections: 1-7, and the Lagrange bases 12-15 for domains 2^0..2^7 (2^8 in G1)
    expect(native.equals(readFileSync(join(scratch, "snarkjs.ptau")))).to.equal(true);
  });

  it("set up the key snarkjs' zkey new makes from the dev powers of tau, byte for byte, without reading it", async () => {
    const circuit = await Groth16Circuit.compile(Model.load("digits-mlp"), { setup: false });
    const r1cs = join(circuit.dir, "circuit.r1cs");
    const power = requiredPower(circuit.plan.constraints, circuit.plan.publicSignals.length);
    await runNative(["dev-zkey", "--r1cs", r1cs, "--ptau-power", String(power), "--out", join(scratch, "native.zkey")]);
    await snarkjsCurve();
    await snarkjs.zKey.newZKey(r1cs, await devPtau(power), join(scratch, "snarkjs.zkey"));
    const native = readFileSync(join(scratch, "native.zkey"));
    expect(native.length).to.be.greaterThan(1_000_000);
    expect(native.equals(readFileSync(join(scratch, "snarkjs.zkey")))).to.equal(true);
  });

  for (const name of ["digits-mlp", "digits-cnn"]) {
    it(`prove ${name}: the public signals snarkjs proves, verified by snarkjs and by the Solidity verifier`, async () => {
      const model = Model.load(name);
      const circuit = await Groth16Circuit.compile(model);
      const x = model.runInteger([samples[5]!]).inputs[0]!.data;
      const native = await circuit.prove({ binding: 77n, x }, undefined, "native");
      const again = await circuit.prove({ binding: 77n, x }, undefined, "native");
      const reference = await circuit.prove({ binding: 77n, x }, undefined, "snarkjs");
      expect([native.prover, reference.prover]).to.deep.equal(["native", "snarkjs"]);
      expect(native.publicSignals).to.deep.equal(reference.publicSignals);
      // fresh blinding (r, s) every time: the same statement, different proof points
      expect(again.proof.pi_a).to.not.deep.equal(native.proof.pi_a);
      expect(await circuit.verify(native)).to.equal(true);
      expect(await circuit.verify(again)).to.equal(true);

      const { abi, bytecode } = circuit.verifierContract();
      const [signer] = await ethers.getSigners();
      const verifier = await new ethers.ContractFactory(abi as never, bytecode, signer).deploy();
      const verifyProof = verifier.getFunction("verifyProof");
      expect(await verifyProof.staticCall(...verifierCalldata(native))).to.equal(true);
      const tampered = { ...native, publicSignals: native.publicSignals.map((v, i) => (i === 0 ? String(BigInt(v) + 1n) : v)) };
      expect(await verifyProof.staticCall(...verifierCalldata(tampered))).to.equal(false);
    });
  }

  it("refuse a witness of another circuit, a corrupted key and a file that is no key, naming the problem", async () => {
    const mlp = await Groth16Circuit.compile(Model.load("digits-mlp"));
    const cnn = await Groth16Circuit.compile(Model.load("digits-cnn"));
    const x = Model.load("digits-mlp").runInteger([samples[0]!]).inputs[0]!.data;
    const wtns = await (await mlp.witnessCalculator()).wtnsOf(mlp.circuitInput({ binding: 1n, x }));
    const cnnKey = join(cnn.setupDir!, "circuit.zkey");
    expect((await rejection(nativeProve(cnnKey, wtns))).message).to.match(/witness has \d+ values, the key's circuit \d+/);

    const key = readFileSync(join(mlp.setupDir!, "circuit.zkey"));
    const corrupted = Buffer.from(key);
    corrupted.fill(0x5a, key.length - 4000, key.length - 3000); // inside the last (H) section's points
    writeFileSync(join(scratch, "corrupted.zkey"), corrupted);
    expect((await rejection(nativeProve(join(scratch, "corrupted.zkey"), wtns))).message).to.match(
      /malformed input: .*(not on the curve|not reduced)/,
    );

    writeFileSync(join(scratch, "truncated.zkey"), key.subarray(0, key.length >> 1));
    expect((await rejection(nativeProve(join(scratch, "truncated.zkey"), wtns))).message).to.match(/runs past the end of the file/);
    expect((await rejection(nativeProve(join(scratch, "snarkjs.ptau"), wtns))).message).to.match(/not a zkey file/);
  });

  it("are chosen by auto where built; asking for them where they are not built says how to build them", () => {
    expect(resolveProver("auto")).to.equal("native");
    expect(resolveProver("snarkjs")).to.equal("snarkjs");
    const saved = process.env.VINFER_GROTH16_NATIVE;
    process.env.VINFER_GROTH16_NATIVE = join(scratch, "no-such-binary");
    try {
      expect(resolveProver("auto")).to.equal("snarkjs");
      expect(() => resolveProver("native")).to.throw(/not built .*npm run build:native/);
    } finally {
      if (saved === undefined) delete process.env.VINFER_GROTH16_NATIVE;
      else process.env.VINFER_GROTH16_NATIVE = saved;
    }
  });
});
