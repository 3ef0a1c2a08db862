/**
 * `vinfer deploy`, `vinfer request` and `vinfer serve` as a user runs them,
 * against a chain reached only through its RPC URL.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import "../helpers/releaseWorkers.js";
import { serveJsonRpc } from "../../scripts/devchain/jsonRpcServer.js";
import { Model } from "../../sdk/model.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { PACKAGE_ROOT, cacheDir } from "../../sdk/paths.js";
import { spawnVinfer, vinferAsync } from "../helpers/cli.js";

describe("vinfer deploy / request / serve", function () {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-cli-"));
  const deployment = join(dir, "deployment.json");
  let connection: Awaited<ReturnType<typeof network.create>>;
  let rpc: Awaited<ReturnType<typeof serveJsonRpc>>;
  let node: ChildProcess | undefined;

  before(async function () {
    connection = await network.create();
    rpc = await serveJsonRpc(connection.provider);
  });

  let ignitionJournal: string | undefined;

  after(async function () {
    node?.kill("SIGKILL");
    // The Ignition journal of this throwaway chain (deploy keeps one per chain and genesis block).
    if (ignitionJournal) rmSync(ignitionJournal, { recursive: true, force: true });
    await rpc.close();
  });

  const input = join(PACKAGE_ROOT, "models", "datasets", "digits-test.json");
  /** `vinfer request digits-mlp` on the test chain with `proof`, the deployment file `file`, and more options. */
  const request = (proof: string, file = deployment, ...more: string[]) =>
    vinferAsync(["request", "digits-mlp", "--rpc", rpc.url, "--deployment", file, "--input", input, "--proof", proof, ...more]);

  it("deploys the core contracts with Ignition and registers a model's Groth16 verifier", async function () {
    const r = await vinferAsync(["deploy", "--rpc", rpc.url, "--model", "digits-mlp", "--proof", "groth16", "--out", deployment]);
    expect(r.code, r.stderr).to.equal(0);
    const id = /Ignition deployment (vinfer-31337-[0-9a-f]{8})/.exec(r.stdout)?.[1];
    expect(id, r.stdout).to.be.a("string");
    ignitionJournal = join(cacheDir(), "ignition", id!);
    expect(existsSync(join(ignitionJournal, "journal.jsonl"))).to.equal(true);
    expect(r.stdout).to.match(/InferenceRouter +0x[0-9a-fA-F]{40}/);
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { router: string; registry: string; chainId: string };
    expect(d.chainId).to.equal("31337");
    const { registry } = connectProtocol(d, connection.ethers.provider);
    const [, , config] = await registry.requestConfig(Model.load("digits-mlp").modelId, ProofType.Groth16);
    expect(config.verifier).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(r.stdout).to.include(config.verifier);
  });

  it("requests an inference and waits for the verified result, served by a `vinfer serve` process", async function () {
    node = spawnVinfer([
      "serve",
      "--rpc",
      rpc.url,
      "--deployment",
      deployment,
      "--model",
      "digits-mlp",
      "--proof",
      "groth16",
      "--db",
      join(dir, "op.db"),
      "--poll-ms",
      "100",
    ]);
    const r = await request("groth16", deployment, "--sample", "3", "--fee", "5", "--wait", "--timeout", "120", "--json");
    expect(r.code, r.stderr).to.equal(0);
    // --json: one document on stdout, the request and its verified result (bigints as decimal strings)
    const doc = JSON.parse(r.stdout) as {
      requestId: string;
      modelId: string;
      proofType: string;
      inputs: number;
      fee: string;
      transactionHash: string;
      gasUsed: string;
      result: { output: string[]; argmax: number; fulfiller: string; transactionHash: string; gasUsed: string };
    };
    expect(doc).to.include({ requestId: "0", modelId: Model.load("digits-mlp").modelId, proofType: "groth16", inputs: 64, fee: "5" });
    expect(doc.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(doc.gasUsed).to.match(/^\d+$/);
    expect(doc.result.output).to.have.length(10);
    expect(doc.result.output.every((v) => /^-?\d+$/.test(v))).to.equal(true);
    expect(doc.result).to.include({ argmax: 7, fulfiller: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
  });

  it("explains what went wrong, in words, with exit code 1", async function () {
    const noChain = await vinferAsync(["deploy", "--rpc", "http://127.0.0.1:9"]);
    expect(noChain.code).to.equal(1);
    expect(noChain.stderr).to.match(/cannot reach a chain at http:\/\/127\.0\.0\.1:9 .*npx hardhat node/);

    const noFile = await request("groth16", join(dir, "missing.json"));
    expect(noFile.code).to.equal(1);
    expect(noFile.stderr).to.match(/no deployment file .*missing\.json: run `vinfer deploy` first/);

    const notEnabled = await request("ezkl");
    expect(notEnabled.code).to.equal(1);
    expect(notEnabled.stderr).to.match(/ProofTypeNotEnabled\(0x[0-9a-f]{64}, 1\): the model has no verifier for this proof type/);

    const opml = await request("opml");
    expect(opml.stderr).to.match(/ProofTypeNotEnabled\(0x[0-9a-f]{64}, 2\): the model has no verifier for this proof type/);

    const badProof = await vinferAsync(["request", "digits-mlp", "--deployment", deployment, "--input", input, "--proof", "snark"]);
    expect(badProof.code).to.equal(2);
    expect(badProof.stderr).to.match(/unknown proof type "snark"/);

    const wrongChain = join(dir, "other-chain.json");
    writeFileSync(wrongChain, JSON.stringify({ ...JSON.parse(readFileSync(deployment, "utf8")), chainId: "1" }));
    const mismatch = await request("groth16", wrongChain);
    expect(mismatch.stderr).to.match(/is a deployment on chain 1, but the RPC serves chain 31337/);
  });
});
