/**
 * The TEE path through the `vinfer` command, as people run it against a chain
 * reached only through its RPC URL: the enclave registry with a 2-of-3 quorum,
 * a model registered for TEE, an operator node with a (SIMULATED) dev enclave,
 * two attestation verifiers signing its key's admission, the admission, the
 * model owner accepting the measurement, and a TEE request answered on chain.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import "../helpers/releaseWorkers.js";
import { serveJsonRpc } from "../../scripts/devchain/jsonRpcServer.js";
import { devAccountKey } from "../../sdk/chain/devAccounts.js";
import { Model } from "../../sdk/model.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { DEV_ENCLAVE_MEASUREMENT } from "../../sdk/tee/worker/backends.js";
import { PACKAGE_ROOT, cacheDir } from "../../sdk/paths.js";
import { spawnVinfer, vinferAsync } from "../helpers/cli.js";

describe("vinfer tee: registry, attesters, admission and a TEE request over RPC", function () {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-tee-cli-"));
  const deployment = join(dir, "deployment.json");
  const db = join(dir, "op.db");
  const attestationFile = `${db}.attestation`;
  // Dev accounts 3, 4 and 5 are the quorum's verifiers (3 is `tee attester`'s default on a dev chain).
  const attesterKeys = [3, 4, 5].map(devAccountKey);
  const attesters = attesterKeys.map((k) => new Wallet(k).address);
  let connection: Awaited<ReturnType<typeof network.create>>;
  let rpc: Awaited<ReturnType<typeof serveJsonRpc>>;
  let node: ChildProcess | undefined;
  let nodeLog = "";
  let nodeStdout = "";
  let ignitionJournal: string | undefined;

  before(async function () {
    connection = await network.create();
    rpc = await serveJsonRpc(connection.provider);
  });

  after(async function () {
    node?.kill("SIGKILL");
    if (ignitionJournal) rmSync(ignitionJournal, { recursive: true, force: true });
    await rpc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `vinfer tee <args>` on the test chain and deployment file. */
  const tee = (...args: string[]) => vinferAsync(["tee", ...args, "--rpc", rpc.url, "--deployment", deployment]);
  const readDeployment = () =>
    JSON.parse(readFileSync(deployment, "utf8")) as {
      registry: string;
      router: string;
      tee?: { enclaveRegistry: string; quorumAdmitter: string };
    };

  it("deploys the core, an enclave registry with a 2-of-3 quorum, and registers digits-mlp for TEE", async function () {
    const core = await vinferAsync(["deploy", "--rpc", rpc.url, "--out", deployment]);
    expect(core.code, core.stderr).to.equal(0);
    const id = /Ignition deployment (vinfer-31337-[0-9a-f]{8})/.exec(core.stdout)?.[1];
    ignitionJournal = id ? join(cacheDir(), "ignition", id) : undefined;

    const noRegistry = await vinferAsync(["deploy", "--rpc", rpc.url, "--out", deployment, "--model", "digits-mlp", "--proof", "tee"]);
    expect(noRegistry.code).to.equal(1);
    expect(noRegistry.stderr).to.match(/records none: run `vinfer tee deploy-registry/);

    const r = await tee("deploy-registry", "--attesters", attesters.join(","), "--threshold", "2", "--json");
    expect(r.code, r.stderr).to.equal(0);
    const contracts = readDeployment().tee!;
    expect(contracts.enclaveRegistry).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(JSON.parse(r.stdout)).to.deep.include({ ...contracts, attesters, threshold: 2, replaced: null, deploymentFile: deployment });

    const model = await vinferAsync(["deploy", "--rpc", rpc.url, "--out", deployment, "--model", "digits-mlp", "--proof", "tee", "--json"]);
    expect(model.code, model.stderr).to.equal(0);
    expect(readDeployment().tee, "deploy keeps the TEE contracts it recorded").to.deep.equal(contracts);
    // --json: the deployment's document alone on stdout, with the model's TEE verifier
    const deployed = JSON.parse(model.stdout) as {
      chainId: string;
      router: string;
      tee: typeof contracts;
      models: { model: string; modelId: string; verifiers: { proofType: string; address: string; deployGas: string }[] }[];
    };
    expect(deployed).to.deep.include({ chainId: "31337", router: readDeployment().router, tee: contracts });
    expect(deployed.models).to.have.length(1);
    expect(deployed.models[0]!.verifiers).to.deep.equal([
      { proofType: "tee", proofTypeId: ProofType.Tee, address: contracts.enclaveRegistry, deployGas: "0" },
    ]);
    const d = readDeployment();
    const [, , config] = await connectProtocol(d, connection.ethers.provider).registry.requestConfig(
      Model.load("digits-mlp").modelId,
      ProofType.Tee,
    );
    expect(config.verifier).to.equal(contracts.enclaveRegistry);
  });

  const input = join(PACKAGE_ROOT, "models", "datasets", "digits-test.json");
  /** `vinfer request digits-mlp --proof tee` on the test chain. */
  const request = (...more: string[]) =>
    vinferAsync(["request", "digits-mlp", "--rpc", rpc.url, "--deployment", deployment, "--input", input, "--proof", "tee", ...more]);
  /** Waits (up to 60 s) for `cond` about the operator's log. */
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 600 && !cond(); i++) await sleep(100);
    expect(cond(), `${what}\n--- operator log ---\n${nodeLog}`).to.equal(true);
  };

  it("serves with a dev enclave, admits its key by two attesters, and answers a TEE request", async function () {
    node = spawnVinfer([
      "serve",
      "--rpc",
      rpc.url,
      "--deployment",
      deployment,
      "--model",
      "digits-mlp",
      "--proof",
      "tee",
      "--enclave",
      "dev",
      "--db",
      db,
      "--poll-ms",
      "100",
      "--json",
    ]);
    node.stdout!.on("data", (b: Buffer) => ((nodeLog += b.toString()), (nodeStdout += b.toString())));
    node.stderr!.on("data", (b: Buffer) => (nodeLog += b.toString()));
    await until(() => nodeLog.includes('"event":"operator.start"') || node?.exitCode !== null, "operator start");
    expect(nodeLog, nodeLog).to.include('"event":"operator.start"');
    expect(existsSync(attestationFile)).to.equal(true);
    expect(nodeLog).to.match(/SIMULATED ENCLAVE/);
    const enclaveKey = /"event":"tee\.attestation".*"enclaveKey":"(0x[0-9a-fA-F]{40})"/.exec(nodeLog)?.[1];
    expect(enclaveKey, nodeLog).to.be.a("string");

    // A TEE request before the key is admitted: the node holds it (and says why) instead of burning its retries.
    const early = await request("--sample", "3", "--json");
    expect(early.code, early.stderr).to.equal(0);
    expect(JSON.parse(early.stdout)).to.include({ requestId: "0", proofType: "tee", inputs: 64 });
    await until(() => /"event":"tee\.waiting_for_admission","requestId":"0".*Enclave_KeyNotAdmitted/.test(nodeLog), "waiting log");

    // The real verification path refuses a simulated enclave.
    const refused = await tee("attester", attestationFile);
    expect(refused.code, refused.stderr).to.equal(1);
    expect(refused.stderr).to.match(/DEV attestation from a simulated enclave/);

    const signed = [join(dir, "a4.json"), join(dir, "a5.json")];
    for (const [i, out] of signed.entries()) {
      // the first in words, the second with --json
      const json = i === 1 ? ["--json"] : [];
      const r = await tee("attester", attestationFile, "--allow-dev", "--private-key", attesterKeys[i + 1]!, "--out", out, ...json);
      expect(r.code, r.stderr).to.equal(0);
      if (i === 1) {
        const doc = JSON.parse(r.stdout) as { signed: boolean; attester: string; admission: { key: string }; admissionFile: string };
        expect(doc).to.include({ signed: true, attester: attesters[i + 1], admissionFile: out });
        expect(doc.admission.key).to.equal(enclaveKey);
      } else expect(r.stdout).to.include(`signed as attester ${attesters[i + 1]}: admit key ${enclaveKey}`);
      expect(r.stderr).to.match(/SIMULATED dev enclave/);
    }

    const tooFew = await tee("admit", signed[0]!);
    expect(tooFew.code).to.equal(1);
    expect(tooFew.stderr).to.match(/reverted with Quorum_TooFewSignatures\(1, 2\): an admission needs at least/);

    const admitted = await tee("admit", ...signed, "--uri", "data:dev-attestation");
    expect(admitted.code, admitted.stderr).to.equal(0);
    expect(admitted.stdout).to.match(new RegExp(`enclave key\\s+${enclaveKey}`));
    expect(admitted.stdout).to.match(new RegExp(`measurement\\s+${DEV_ENCLAVE_MEASUREMENT} \\(SIMULATED dev enclave\\)`));
    expect(admitted.stdout).to.match(/gas\s+\d+/);

    const replayed = await tee("admit", ...signed);
    expect(replayed.stderr).to.match(/Quorum_AdmissionReplayed/);

    const notOwner = await tee(
      "accept",
      "--model",
      "digits-mlp",
      "--measurement",
      DEV_ENCLAVE_MEASUREMENT,
      "--private-key",
      attesterKeys[0]!,
    );
    expect(notOwner.code).to.equal(1);
    expect(notOwner.stderr).to.match(/Enclave_NotModelOwner\(.*only the model's owner/);

    const accepted = await tee("accept", "--model", "digits-mlp", "--measurement", DEV_ENCLAVE_MEASUREMENT, "--json");
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(JSON.parse(accepted.stdout)).to.include({
      modelId: Model.load("digits-mlp").modelId,
      measurement: DEV_ENCLAVE_MEASUREMENT,
      accepted: true,
      teeVerifierIsRegistry: true,
    });

    const r = await request("--sample", "3", "--wait", "--timeout", "60");
    expect(r.code, `${r.stderr}\n--- operator log ---\n${nodeLog}`).to.equal(0);
    expect(r.stdout).to.match(/^request 1: model 0x[0-9a-f]{64}, tee, 64 inputs/m);
    expect(r.stdout).to.match(
      /verified on chain: output (-?\d+ ){9}-?\d+ \(argmax 7\), fulfilled by 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/,
    );
    // The request made before the admission is fulfilled too, and no job used up its attempts.
    await until(() => /"event":"job\.done","requestId":"0"/.test(nodeLog), "request 0 done");
    expect(nodeLog).not.to.match(/"event":"job\.(retry|failed)"/);
    // serve --json: its stdout is the event log alone, one JSON object per line
    const events = nodeStdout
      .slice(0, nodeStdout.lastIndexOf("\n")) // whole lines: the node is still running
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string });
    expect(events.map((e) => e.event)).to.include.members(["tee.attestation", "operator.start", "job.done"]);
  });
});
