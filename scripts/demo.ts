/**
 * The local demo (`npm run demo`): everything the project does today, end to
 * end, on an in-process Hardhat chain.
 *   1. ONNX -> integer IR for the digits models; accuracy vs onnxruntime on the test split; model ids.
 *   2. Groth16: compile digits-mlp to a circuit, set up keys (INSECURE dev ptau), deploy the
 *      generated verifier, prove one request's inference and verify it on chain.
 *   3. EZKL: the same inference proved with Halo2-KZG (INSECURE dev SRS), verified in WASM and on chain.
 * The router, OPML and TEE steps join as their issues land.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";

import { table } from "../cli/format.js";
import { compareWithOnnxRuntime } from "../sdk/eval/accuracy.js";
import { Model } from "../sdk/model.js";
import { argmaxFlat } from "../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../sdk/zoo/files.js";
import { EzklCircuit } from "../sdk/zk/ezkl/backend.js";
import { EzklDriver } from "../sdk/zk/ezkl/driver.js";
import { Groth16Circuit, verifierCalldata } from "../sdk/zk/groth16/backend.js";
import { consoleProgress } from "../sdk/zk/progress.js";
import { releaseSnarkjsWorkers } from "../sdk/zk/groth16/workers.js";

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

console.log("== 1. integer models of the digits classifiers (360 test samples) ==");
const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
const rows = [["model", "float acc", "integer acc", "agreement", "model id"]];
for (const name of ["digits-mlp", "digits-cnn"]) {
  const model = Model.load(name);
  const { summary } = await compareWithOnnxRuntime(model, data.samples, data.labels);
  rows.push([name, percent(summary.floatAccuracy!), percent(summary.integerAccuracy!), percent(summary.argmaxAgreement), model.modelId]);
}
console.log(table(rows));

console.log("\n== 2. Groth16 proof of a digits-mlp inference, verified on an in-process chain ==");
const { ethers } = await network.create();
const [deployer] = await ethers.getSigners();
const model = Model.load("digits-mlp");
const t0 = performance.now();
const circuit = await Groth16Circuit.compile(model, { progress: consoleProgress(process.stdout) });
console.log(`circuit: ${circuit.plan.constraints} constraints (keys from an INSECURE dev powers of tau)`);
const { abi, bytecode } = circuit.verifierContract();
const verifier = await new ethers.ContractFactory(abi as never, bytecode, deployer!).deploy();
await verifier.waitForDeployment();
const deployReceipt = await verifier.deploymentTransaction()!.wait();
console.log(`verifier deployed at ${await verifier.getAddress()} (gas ${deployReceipt!.gasUsed})`);

const sampleIndex = 0;
const request = { chainId: (await ethers.provider.getNetwork()).chainId, requestId: 1n };
const binding = BigInt(ethers.solidityPackedKeccak256(["uint256", "uint256"], [request.chainId, request.requestId])) >> 8n; // < field
const { inputs, outputs } = model.runInteger([data.samples[sampleIndex]!]);
const proof = await circuit.prove({ binding, x: inputs[0]!.data }, consoleProgress(process.stdout));
const args = verifierCalldata(proof);
const fn = verifier.getFunction("verifyProof");
const ok = (await fn.staticCall(...args)) as boolean;
const gas = await fn.estimateGas(...args);
const decoded = circuit.decode(proof.publicSignals);
console.log(
  table([
    ["label", String(data.labels![sampleIndex])],
    ["proved class (argmax of outputs)", String(argmaxFlat(Float64Array.from(decoded.outputs, Number)))],
    ["integer outputs", decoded.outputs.join(" ")],
    ["matches the interpreter", String(decoded.outputs.map(Number).join() === Array.from(outputs[0]!.data).join())],
    ["verified on chain", String(ok)],
    ["verifyProof gas", String(gas)],
    ["total time", seconds(performance.now() - t0)],
  ]),
);

console.log("\n== 3. EZKL (Halo2-KZG) proof of the same inference, verified in WASM and on chain ==");
const t1 = performance.now();
const ezkl = await EzklCircuit.compile(model, { calibration: data.samples.slice(0, 20), progress: consoleProgress(process.stdout) });
const halo2 = ezkl.verifierContract();
const halo2Verifier = await new ethers.ContractFactory(halo2.abi as never, halo2.bytecode, deployer!).deploy();
await halo2Verifier.waitForDeployment();
const ezklProof = await ezkl.prove(
  data.samples[sampleIndex]!,
  join(mkdtempSync(join(tmpdir(), "vinfer-demo-")), "proof"),
  consoleProgress(process.stdout),
);
const calldata = await ezkl.calldata(ezklProof.path);
const ezklOk = BigInt(await ethers.provider.call({ to: await halo2Verifier.getAddress(), data: calldata })) === 1n;
const ezklGas = await ethers.provider.estimateGas({ to: await halo2Verifier.getAddress(), data: calldata });
console.log(
  table([
    ["proved class (argmax of EZKL outputs)", String(argmaxFlat(Float64Array.from(ezklProof.outputs)))],
    ["EZKL outputs (its own fixed point)", ezklProof.outputs.map((v) => v.toFixed(3)).join(" ")],
    ["verified in WASM (@ezkljs/engine)", String(ezkl.verifyWasm(ezklProof.json))],
    ["verified on chain", String(ezklOk)],
    ["verifyProof gas", String(ezklGas)],
    ["total time", seconds(performance.now() - t1)],
  ]),
);
await EzklDriver.stop();
if (!ok || !ezklOk) {
  console.error("demo failed: a proof did not verify on chain");
  process.exitCode = 1;
}
await releaseSnarkjsWorkers();
