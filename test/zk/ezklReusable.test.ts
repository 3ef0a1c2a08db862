/**
 * A model whose single EZKL verifier is over the 24,576-byte contract limit
 * deploys as EZKL's reusable verifier, its verifying-key artefact
 * (create_evm_vka) and the EzklReusableVerifier wrapper; a proof bound to its
 * request verifies on chain through the wrapper and fulfils the request
 * through the router and EzklAdapter (gas printed); a changed instance and
 * another fulfiller are rejected.
 *
 * No zoo model needs it: their single verifiers are 13.4 KB (digits-mlp,
 * sweep-cnn-1e3) to 21.5 KB (digits-transformer, whose EZKL build also takes
 * about 7 minutes on 2 cores). The verifier's size follows the circuit's
 * columns and lookup tables, not its size, so the model here is a small
 * attention-style block built at test time: MatMul, then Softmax, Erf,
 * Sigmoid and Tanh (four lookup tables) summed, then LayerNormalization, on
 * 8 values (logrows 15; about 25 KB of single verifier; about 50 s to build).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import "../helpers/releaseWorkers.js";
import { EzklAdapter__factory, EzklReusableVerifier__factory } from "../../types/ethers-contracts/index.js";
import { Model } from "../../sdk/model.js";
import { onnxRoot } from "../../sdk/onnx/proto.js";
import { tensor } from "../../sdk/tensor.js";
import { cacheDir } from "../../sdk/paths.js";
import { requestInference } from "../../sdk/protocol/client.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { deployProtocol } from "../../sdk/protocol/deployProtocol.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { EzklCircuit, EzklError, MAX_CONTRACT_BYTES, fromField, toField } from "../../sdk/zk/ezkl/backend.js";
import { deployEzklVerifier } from "../../sdk/zk/ezkl/deploy.js";
import { EzklProver } from "../../sdk/zk/ezkl/proofSystem.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const MODEL = "ezkl-lookups-8";
const N = 8;

/** The test model's ONNX: y = LayerNorm(Softmax(xW) + Erf(xW) + Sigmoid(xW) + Tanh(xW)), x of shape [1, 8]. */
function lookupsModel(): Uint8Array {
  const weights = Array.from({ length: N * N }, (_, k) => (((k * 37) % 17) - 8) / 32);
  const floatInfo = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: N }] } } },
  });
  const init = (name: string, dims: number[], floatData: number[]) => ({ name, dims, dataType: 1, floatData });
  const node = (opType: string, input: string[], output: string, attribute: object[] = []) => ({
    opType,
    input,
    output: [output],
    attribute,
  });
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "vinfer-test",
    graph: {
      name: MODEL,
      node: [
        node("MatMul", ["input", "W"], "h"),
        node("Softmax", ["h"], "s", [{ name: "axis", type: 2, i: -1 }]),
        node("Erf", ["h"], "e"),
        node("Sigmoid", ["h"], "g"),
        node("Tanh", ["h"], "t"),
        node("Add", ["s", "e"], "a1"),
        node("Add", ["g", "t"], "a2"),
        node("Add", ["a1", "a2"], "a3"),
        node("LayerNormalization", ["a3", "gamma", "beta"], "output", [
          { name: "axis", type: 2, i: -1 },
          { name: "epsilon", type: 1, f: 1e-5 },
        ]),
      ],
      initializer: [
        init("W", [N, N], weights),
        init("gamma", [N], new Array<number>(N).fill(1)),
        init("beta", [N], new Array<number>(N).fill(0)),
      ],
      input: [floatInfo("input")],
      output: [floatInfo("output")],
    },
  };
  const type = onnxRoot().lookupType("onnx.ModelProto");
  return type.encode(type.fromObject(model)).finish();
}

/** Deterministic float samples in [0, 4) (calibration and the request's input). */
const samples = Array.from({ length: 4 }, (_, s) =>
  tensor(
    "float32",
    [1, N],
    Array.from({ length: N }, (_, i) => ((s * 5 + i * 3) % 16) / 4),
  ),
);

describe(`EZKL reusable verifier (${MODEL}: single verifier over 24 KB)`, function () {
  it("deploys the reusable verifier + VKA + wrapper, and a bound proof fulfils a request on chain (gas printed)", async function () {
    const connection = await network.create();
    const { ethers } = connection;
    const [owner, operator, , user] = await ethers.getSigners();
    const dir = join(cacheDir(), "test-ezkl-reusable");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${MODEL}.onnx`);
    writeFileSync(path, lookupsModel());
    const model = Model.load(path);
    const started = Date.now();
    const circuit = await EzklCircuit.compile(model, { calibration: samples });
    const compileSeconds = (Date.now() - started) / 1000;
    const size = circuit.verifierSize();
    expect(size).to.be.greaterThan(MAX_CONTRACT_BYTES);
    expect(circuit.needsReusableVerifier).to.equal(true);
    expect(() => circuit.verifierContract()).to.throw(EzklError, /deployEzklVerifier/);

    const addresses = await deployProtocol(connection.provider, { requestTimeoutSeconds: 3600 });
    const { router, registry } = connectProtocol(addresses, owner!);
    const deployed = await deployEzklVerifier(circuit, owner!);
    expect(deployed.kind).to.equal("reusable");
    for (const [name, bytes] of Object.entries(deployed.sizes)) expect(bytes, name).to.be.at.most(MAX_CONTRACT_BYTES);
    // the registry's own path (vinfer deploy, the demo): the prover's verifier deploys the same three parts
    const prover = new EzklProver(circuit);
    const [registered] = (await registerModel(registry, owner!, model, [prover.verifier()])).verifiers;
    const wrapperCode = await ethers.provider.getCode(registered!.address);
    expect((wrapperCode.length - 2) / 2).to.equal(deployed.sizes.EzklReusableVerifier);

    const input = model.quantizedInput([samples[1]!]);
    const sent = await requestInference(router.connect(user!), { modelId: model.modelId, input, proofType: ProofType.Ezkl, fee: 7n });
    const provedAt = Date.now();
    const proof = await prover.prove({
      chainId: (await ethers.provider.getNetwork()).chainId,
      router: addresses.router,
      requestId: sent.requestId,
      modelId: model.modelId,
      fulfiller: operator!.address,
      input,
      workDir: join(dir, `request-${sent.requestId}`),
    });
    const proveSeconds = (Date.now() - provedAt) / 1000;

    // the wrapper answers verifyProof(bytes, uint256[]) like a single verifier
    const adapter = EzklAdapter__factory.connect(addresses.adapters.ezkl!, owner!);
    const fulfilment = {
      requestId: sent.requestId,
      modelId: model.modelId,
      verifier: registered!.address,
      verifierParams: 0n,
      fulfiller: operator!.address,
    };
    const instances = [...(await adapter.proofInstances(fulfilment, packInt16(input), packInt16(proof.output), addresses.router))];
    const wrapper = EzklReusableVerifier__factory.connect(registered!.address, owner!);
    expect(await wrapper.verifyProof.staticCall(proof.evidence, instances)).to.equal(true);
    const verifyGas = await wrapper.verifyProof.estimateGas(proof.evidence, instances);
    const bumped = instances.map((v, i) => (i === instances.length - 1 ? toField(fromField(v) + 1n) : v));
    expect(await wrapper.verifyProof.staticCall(proof.evidence, bumped).catch(() => false)).to.equal(false);

    // another fulfiller cannot reuse it; its own fulfiller can
    const adapterError = EzklAdapter__factory.connect(addresses.adapters.ezkl!, owner!);
    await expect(
      router.connect(user!).fulfill(sent.requestId, sent.request, packInt16(input), packInt16(proof.output), proof.evidence),
    ).to.be.revertedWithCustomError(adapterError, "Adapter_InvalidProof");
    const receipt = await (
      await router.connect(operator!).fulfill(sent.requestId, sent.request, packInt16(input), packInt16(proof.output), proof.evidence)
    ).wait();
    expect(await router.isResult(sent.requestId, sent.request, packInt16(proof.output))).to.equal(true);

    console.log(
      `      ${MODEL}: logrows ${circuit.logrows}, single verifier ${size} bytes (over ${MAX_CONTRACT_BYTES}); deployed ${Object.entries(
        deployed.sizes,
      )
        .map(([n, b]) => `${n} ${b} bytes (deploy gas ${deployed.deployGas[n]})`)
        .join(", ")}`,
    );
    console.log(
      `      ${MODEL}: verifyProof through the wrapper ${verifyGas} gas (transaction estimate), fulfil ${receipt!.gasUsed} gas; ` +
        `compile ${compileSeconds.toFixed(1)} s, prove ${proveSeconds.toFixed(1)} s, ${instances.length} instances`,
    );
  });
});
