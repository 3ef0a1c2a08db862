/**
 * The npm package as a dApp developer gets it: `npm pack` of this repository,
 * installed into a new project (dependencies from the registry or npm's
 * cache), then used there with plain Node: the CLI through `npx vinfer`, and
 * a TypeScript program compiled by plain `tsc` that requests a proven
 * inference on a local chain. Nothing here runs through tsx or reads the
 * repository's sources.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { Model } from "../../sdk/model.js";
import { PACKAGE_ROOT } from "../../sdk/paths.js";
import { nativeBinaryPath } from "../../sdk/zk/groth16/native.js";
import { type CommandResult, runCommand } from "../helpers/cli.js";

const TSC = join(PACKAGE_ROOT, "node_modules", "typescript", "bin", "tsc");
const HARDHAT = join(PACKAGE_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function expectOk(r: CommandResult, what: string): void {
  expect(r.code, `${what} failed:\n${r.stderr}\n${r.stdout}`).to.equal(0);
}

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** What a dApp developer writes: plain TypeScript against the package's entry points and types. */
const CONSUMER_TS = `
import { readFileSync } from "node:fs";

import { JsonRpcProvider, Wallet } from "ethers";
import { ProofType, connectProtocol, requestInference, waitForResult } from "vinfer";
import { Model, readModelInputs } from "vinfer/node";

const [rpcUrl, deploymentFile, key] = process.argv.slice(2) as [string, string, string];
const model = Model.load("digits-mlp");
const { samples } = readModelInputs(model.path.replace(/model\\.onnx$/, "input.json"), model.graph);
const local = model.runInteger(samples[0]!);

const deployment = JSON.parse(readFileSync(deploymentFile, "utf8")) as { registry: string; router: string };
const provider = new JsonRpcProvider(rpcUrl);
const { router } = connectProtocol(deployment, new Wallet(key, provider));
const sent = await requestInference(router, {
  modelId: model.modelId,
  input: local.inputs.flatMap((t) => Array.from(t.data, (v) => BigInt(v))),
  proofType: ProofType.Groth16,
});
const result = await waitForResult(router, sent.requestId, { timeoutMs: 240_000 });
console.log(
  JSON.stringify({
    modelId: model.modelId,
    requestId: sent.requestId.toString(),
    local: Array.from(local.outputs[0]!.data, String),
    verified: result.output.map(String),
    fulfiller: result.fulfiller,
  }),
);
provider.destroy();
`;

describe("the npm package, installed into a new project", function () {
  const tmp = mkdtempSync(join(tmpdir(), "vinfer-package-"));
  const project = join(tmp, "app");
  const cache = join(tmp, "cache");
  const installed = join(project, "node_modules", "vinfer");
  // the new project's own npm, node and vinfer; artefacts in a cache directory of this test's own. The
  // repository's native prover, where built, stands in for `npx vinfer setup native` (minutes of cargo).
  const native = nativeBinaryPath();
  // `npm test` exports this repository's npm settings (npm_config_*, npm_package_*): a user's shell has none
  const shell = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));
  const env: NodeJS.ProcessEnv = {
    ...shell,
    VINFER_CACHE_DIR: cache,
    ...(existsSync(native) ? { VINFER_GROTH16_NATIVE: native } : {}),
  };
  const npx = (...args: string[]) => runCommand("npx", ["--no-install", "vinfer", ...args], { cwd: project, env });
  let tarball = "";
  const children: ChildProcess[] = [];

  before(async function () {
    this.timeout(10 * 60_000);
    const pack = await runCommand("npm", ["pack", "--pack-destination", tmp, "--json"], { cwd: PACKAGE_ROOT });
    expectOk(pack, "npm pack");
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as { filename: string; size: number }[];
    tarball = join(tmp, packed!.filename);
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    expectOk(await runCommand("npm", ["install", tarball, "--no-audit", "--no-fund"], { cwd: project, env }), "npm install");
  });

  after(function () {
    for (const child of children) {
      child.kill("SIGKILL");
      // its pipes would keep this process's event loop alive
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it("ships compiled JavaScript with types, the circuits and the small zoo models, and no tests, fixtures or build output", function () {
    const files = filesBelow(installed);
    expect(files).to.include.members([
      "bin/vinfer.js",
      "dist/sdk/index.js",
      "dist/sdk/index.d.ts",
      "dist/sdk/node.js",
      "dist/cli/main.js",
      "dist/types/ethers-contracts/index.js",
      "circuits/lib/fixedpoint.circom",
      "models/digits-mlp/model.onnx",
      "native/groth16/Cargo.lock",
    ]);
    const unwanted = files.filter(
      (f) => /^(test|build|artifacts|cache|scripts|sdk|cli)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(unwanted).to.deep.equal([]);
    expect(files.some((f) => f.startsWith("models/sweep-mlp-1e6/"))).to.equal(false);
    // onnxruntime-node is an optional peer dependency: its install script (a CUDA download) never runs
    expect(existsSync(join(project, "node_modules", "onnxruntime-node"))).to.equal(false);
  });

  it("exposes its entry points through the exports map, with types for each", function () {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; default: string } | string>;
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === "string") continue;
      expect(existsSync(join(installed, target.default)), `${entry} -> ${target.default}`).to.equal(true);
      expect(existsSync(join(installed, target.types)), `${entry} types -> ${target.types}`).to.equal(true);
    }
    expect(Object.keys(manifest.exports)).to.include.members([".", "./node", "./zk", "./operator", "./tee", "./opml", "./contracts"]);
  });

  it("`vinfer inspect` runs on plain Node, with no npm warning", async function () {
    this.timeout(60_000);
    const r = await npx("inspect", "digits-mlp", "--json");
    expectOk(r, "vinfer inspect");
    expect(r.stderr).not.to.match(/npm warn/i);
    const doc = JSON.parse(r.stdout) as { supported: boolean };
    expect(doc.supported).to.equal(true);
  });

  it("`vinfer run` computes the integer output without onnxruntime-node, saying the float column is the IR's", async function () {
    this.timeout(60_000);
    const r = await npx("run", "digits-mlp", "--input", join(installed, "models", "digits-mlp", "input.json"), "--json");
    expectOk(r, "vinfer run");
    expect(r.stderr).to.match(/onnxruntime-node is not installed/);
    const doc = JSON.parse(r.stdout) as { modelId: string; reference: string };
    expect(doc).to.include({ modelId: Model.load("digits-mlp").modelId, reference: "ir-float" });
  });

  it("`vinfer zk prove --backend groth16` builds into the cache directory, and `zk verify` accepts the proof and rejects a tampered one", async function () {
    this.timeout(5 * 60_000);
    const input = join(installed, "models", "digits-mlp", "input.json");
    const proof = join(project, "proof.json");
    const before = filesBelow(installed).length;
    expectOk(await npx("zk", "prove", "digits-mlp", "--backend", "groth16", "--input", input, "--out", proof), "vinfer zk prove");
    expect(readdirSync(join(cache, "groth16")).some((d) => d.startsWith("digits-mlp-"))).to.equal(true);
    expect(filesBelow(installed).length, "nothing is written inside node_modules").to.equal(before);

    const ok = await npx("zk", "verify", "digits-mlp", "--backend", "groth16", "--proof", proof, "--json");
    expectOk(ok, "vinfer zk verify");
    expect((JSON.parse(ok.stdout) as { valid: boolean }).valid).to.equal(true);

    const doc = JSON.parse(readFileSync(proof, "utf8")) as { publicSignals: string[] };
    doc.publicSignals[doc.publicSignals.length - 1] = "12345";
    writeFileSync(proof, JSON.stringify(doc));
    const bad = await npx("zk", "verify", "digits-mlp", "--backend", "groth16", "--proof", proof);
    expect(bad.code, bad.stdout).to.equal(1);
  });

  it("a TypeScript program compiled by plain tsc and run by plain node gets a proven inference from a local chain", async function () {
    this.timeout(8 * 60_000);
    // the chain: a Hardhat node over JSON-RPC; the operator: the package's own `vinfer deploy` and `vinfer serve`
    const port = await freePort();
    const rpc = `http://127.0.0.1:${port}`;
    const chain = spawn(process.execPath, [HARDHAT, "node", "--port", String(port)], {
      cwd: PACKAGE_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(chain);
    await new Promise<void>((resolve, reject) => {
      chain.stdout!.on("data", (d: Buffer) => d.toString().includes("JSON-RPC server") && resolve());
      chain.on("exit", (code) => reject(new Error(`hardhat node exited (${code})`)));
    });
    const deployment = join(project, "deployment.json");
    expectOk(await npx("deploy", "--rpc", rpc, "--model", "digits-mlp", "--proof", "groth16", "--out", deployment), "vinfer deploy");
    // the installed bin run by node itself (not through npx, whose child would outlive a kill); its log in a file
    const bin = join(installed, "bin", "vinfer.js");
    const serve = ["serve", "--rpc", rpc, "--deployment", deployment, "--model", "digits-mlp", "--proof", "groth16"];
    const operatorLog = join(project, "operator.log");
    const operator = spawn(process.execPath, [bin, ...serve, "--db", join(project, "operator.db"), "--poll-ms", "200"], {
      cwd: project,
      env,
      stdio: ["ignore", "ignore", openSync(operatorLog, "w")],
    });
    children.push(operator);

    writeFileSync(join(project, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: true,
          outDir: "out",
          typeRoots: [join(PACKAGE_ROOT, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    expectOk(await runCommand(process.execPath, [TSC, "-p", "."], { cwd: project, env }), "tsc");
    // the requester is dev account 2 (the deployer is 0, the operator 1)
    const requesterKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    const r = await runCommand(process.execPath, [join(project, "out", "consumer.js"), rpc, deployment, requesterKey], {
      cwd: project,
      env,
    });
    expectOk({ ...r, stderr: `${r.stderr}\noperator's log:\n${readFileSync(operatorLog, "utf8")}` }, "the consumer");
    const doc = JSON.parse(r.stdout) as { modelId: string; local: string[]; verified: string[]; fulfiller: string };
    expect(doc.modelId).to.equal(Model.load("digits-mlp").modelId);
    expect(doc.verified).to.deep.equal(doc.local);
    expect(doc.fulfiller).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });
});
