/**
 * The local demo (`npm run demo`): the whole protocol on an in-process Hardhat
 * chain, served over JSON-RPC so the operator node talks to it as to any node.
 *   1. ONNX -> integer IR for the digits models; accuracy vs onnxruntime; model ids.
 *   2. Core contracts deployed with Hardhat Ignition (registry, router, proof adapters).
 *   3. A SIMULATED dev enclave attested and its key admitted by a 2-of-3 quorum of
 *      attestation verifiers (TEE); circuits compiled (INSECURE dev set-ups);
 *      verifiers registered per model.
 *   4. Example consumers: a digit bounty (acts on a classification) and a score gate.
 *   5. Requests with each synchronous proof type, fulfilled by the operator node.
 *   6. The verified results as the contracts saw them.
 *   7. OPML: a dishonest operator's wrong claim, disputed by a watcher (`vinfer
 *      challenge`) move by move and rejected; the honest operator's claims,
 *      final after the challenge window (time advanced on the dev chain).
 *   Gas and time per step.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

import { type ContractTransactionResponse, type Log, Wallet, parseEther } from "ethers";
import { network } from "hardhat";

import { table } from "../cli/format.js";
import { devAccountKey } from "../sdk/chain/devAccounts.js";
import { serveJsonRpc } from "./devchain/jsonRpcServer.js";
import { rpcProvider } from "../sdk/chain/rpcProvider.js";
import { compareWithOnnxRuntime } from "../sdk/eval/accuracy.js";
import { Model } from "../sdk/model.js";
import { JobStore } from "../sdk/operator/jobStore.js";
import type { Logger } from "../sdk/operator/log.js";
import { OperatorNode } from "../sdk/operator/operatorNode.js";
import { readRequest, requestOfReceipt, waitForResult } from "../sdk/protocol/client.js";
import { connectProtocol } from "../sdk/protocol/contracts.js";
import { deployProtocol } from "../sdk/protocol/deployProtocol.js";
import { type PreparedModel, prepareModel, verifiersOf } from "../sdk/proofs/prepareModel.js";
import { proofTypeName } from "../sdk/proofs/registry.js";
import { ProofType } from "../sdk/protocol/proofType.js";
import { registerModel } from "../sdk/protocol/registerModel.js";
import { argmaxFlat } from "../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../sdk/zoo/files.js";
import { cacheDir } from "../sdk/paths.js";
import { EzklDriver } from "../sdk/zk/ezkl/driver.js";
import { releaseSnarkjsWorkers } from "../sdk/zk/groth16/workers.js";
import { consoleProgress } from "../sdk/zk/progress.js";
import { acceptMeasurement, attestationHashOf } from "../sdk/tee/enclaveRegistry.js";
import { DEV_ENCLAVE_MEASUREMENT } from "../sdk/tee/worker/backends.js";
import { admitDevEnclave, deployDevEnclaveRegistry } from "../sdk/tee/devEnclave.js";
import { Challenger, ChallengerStore } from "../sdk/operator/challenger.js";
import type { Prover } from "../sdk/operator/operatorNode.js";
import { elementAccumulators } from "../sdk/opml/accumulators.js";
import { GamePhase } from "../sdk/opml/moves.js";
import { modelProgram } from "../sdk/opml/program.js";
import { ExecutionTrace } from "../sdk/opml/trace.js";
import { OpmlProver } from "../sdk/opml/proofSystem.js";
import {
  DigitBounty__factory,
  OpmlAdapter__factory,
  OpmlModel__factory,
  ScoreGate__factory,
  type OpmlAdapter,
} from "../types/ethers-contracts/index.js";
import { packInt16 } from "../sdk/commit/int16Tensor.js";

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const stepTimes: string[][] = [["step", "time"]];
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await fn();
  stepTimes.push([name, seconds(performance.now() - t)]);
  return result;
}

console.log("== 1. integer models of the digits classifiers (360 test samples) ==");
const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
const labels = data.labels!;
const models = { mlp: Model.load("digits-mlp"), cnn: Model.load("digits-cnn") };
await step("accuracy vs onnxruntime", async () => {
  const rows = [["model", "float acc", "integer acc", "agreement", "model id"]];
  for (const model of Object.values(models)) {
    const { summary } = await compareWithOnnxRuntime(model, data.samples, data.labels);
    rows.push([
      model.graph.name,
      percent(summary.floatAccuracy!),
      percent(summary.integerAccuracy!),
      percent(summary.argmaxAgreement),
      model.modelId,
    ]);
  }
  console.log(table(rows));
});

console.log("\n== 2. in-process chain: core contracts deployed with Hardhat Ignition ==");
const connection = await network.create();
const [deployer, operator, user] = await connection.ethers.getSigners();
const rpc = await serveJsonRpc(connection.provider);
const addresses = await step("deploy core contracts (Ignition)", () => deployProtocol(connection.provider));
console.log(table(Object.entries(addresses).map(([k, v]) => [k, v])));
console.log(`chain served at ${rpc.url} (what \`vinfer serve --rpc\` would connect to)`);
const { registry, router } = connectProtocol(addresses, deployer!);

console.log("\n== 3a. TEE: a SIMULATED dev enclave (no hardware protection), attested and admitted by a 2-of-3 quorum ==");
const chainId = (await connection.ethers.provider.getNetwork()).chainId;
const enclave = await step("deploy enclave registry + quorum admitter", () => deployDevEnclaveRegistry(deployer!, addresses.registry));
const enclaveRegistry = await enclave.enclaveRegistry.getAddress();
const { worker, attestation, admissionGas } = await step("attest (dev-mode verifiers) and admit the enclave key", () =>
  admitDevEnclave(chainId, enclave),
);
console.log(
  table([
    ["enclave key", worker.address],
    ["measurement", DEV_ENCLAVE_MEASUREMENT],
    ["attestation", `${attestation.length} bytes, ${attestationHashOf(attestation)} (dev format: refused by every real verifier)`],
    ["admission", `signed by 2 of 3 attestation verifiers, gas ${admissionGas}`],
  ]),
);

console.log("\n== 3b. circuits and verifiers of the digits models (INSECURE dev set-ups; cached after the first run) ==");
// digits-cnn's Groth16 circuit needs a 2^15 powers of tau (about 10 minutes to generate on 2
// cores), so the demo proves digits-cnn with EZKL only; `vinfer deploy --model digits-cnn --proof groth16` does the rest.
const plan: [Model, ProofType[]][] = [
  [models.mlp, [ProofType.Groth16, ProofType.Ezkl, ProofType.Tee, ProofType.Opml]],
  [models.cnn, [ProofType.Ezkl, ProofType.Opml]],
];
const prepared: PreparedModel[] = [];
const verifierRows = [["model", "proof", "verifier", "deploy gas"]];
for (const [model, types] of plan) {
  const c = await step(`compile ${model.graph.name} (${types.map(proofTypeName).join(", ")})`, () =>
    prepareModel(model, types, consoleProgress(process.stdout), { tee: { worker, enclaveRegistry } }),
  );
  prepared.push(c);
  const r = await step(`register ${model.graph.name}`, () =>
    registerModel(registry, deployer!, model, verifiersOf(c), `zoo:${model.graph.name}`),
  );
  for (const v of r.verifiers) verifierRows.push([model.graph.name, proofTypeName(v.proofType), v.address, v.deployGas.toString()]);
}
console.log(table(verifierRows));
await step("digits-mlp accepts the dev enclave's measurement", () =>
  acceptMeasurement(enclave.enclaveRegistry, models.mlp.modelId, DEV_ENCLAVE_MEASUREMENT),
);

console.log("\n== 4. example consumers ==");
const REWARD = parseEther("0.01");
const bountySample = 0;
const target = labels[bountySample]!;
const bounties = await step("deploy consumers", async () => {
  const deploy = async (proofType: ProofType) => {
    const b = await new DigitBounty__factory(deployer!).deploy(addresses.router, models.mlp.modelId, proofType, target, REWARD, {
      value: parseEther("1"),
    });
    return b.waitForDeployment();
  };
  return { groth16: await deploy(ProofType.Groth16), ezkl: await deploy(ProofType.Ezkl), tee: await deploy(ProofType.Tee) };
});
const gateSample = 1;
const MIN_MARGIN = 256n; // 1.0 in the models' 2^8 output units
const gate = await (
  await new ScoreGate__factory(deployer!).deploy(addresses.router, models.cnn.modelId, ProofType.Ezkl, labels[gateSample]!, MIN_MARGIN)
).waitForDeployment();
console.log(
  table([
    ["DigitBounty (digits-mlp, groth16)", await bounties.groth16.getAddress(), `pays 0.01 ETH per image read as a ${target}`],
    ["DigitBounty (digits-mlp, ezkl)", await bounties.ezkl.getAddress(), `pays 0.01 ETH per image read as a ${target}`],
    ["DigitBounty (digits-mlp, tee)", await bounties.tee.getAddress(), `pays 0.01 ETH per image read as a ${target}`],
    ["ScoreGate (digits-cnn, ezkl)", await gate.getAddress(), `admits when class ${labels[gateSample]} leads by >= ${MIN_MARGIN}`],
  ]),
);

console.log("\n== 5. requests, fulfilled by the operator node ==");
const dbPath = join(cacheDir(), "demo", "operator.db");
for (const suffix of ["", "-wal", "-shm"]) rmSync(dbPath + suffix, { force: true });
const store = new JobStore(dbPath);
const provider = rpcProvider(rpc.url, 100);
const wallet = new Wallet(devAccountKey(1), provider); // the chain's public dev account #1, like `vinfer serve`
if (wallet.address !== operator!.address) throw new Error("the operator key is not the chain's dev account #1");
const proveTimes = new Map<string, number>();
const DEMO_EVENTS = new Set([
  "job.proving",
  "job.proved",
  "tx.broadcast",
  "job.done",
  "job.retry",
  "job.failed",
  "opml.claimed",
  "opml.settled",
  "opml.rejected",
]);
const demoLogger: Logger = {
  log(level, event, fields = {}) {
    if (event === "job.proved") proveTimes.set(String(fields.requestId), Number(fields.ms));
    if (DEMO_EVENTS.has(event) || level === "error")
      console.log(
        `  [operator] ${event} ${Object.entries(fields)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(" ")}`,
      );
  },
};
const node = new OperatorNode({
  provider,
  wallet,
  router: addresses.router,
  registry: addresses.registry,
  store,
  provers: new Map(prepared.map((p) => [p.model.modelId.toLowerCase(), p.provers.filter((x) => x.proofType !== ProofType.Opml)])),
  workDir: join(cacheDir(), "demo", "work"),
  concurrency: 2,
  pollIntervalMs: 200,
  logger: demoLogger,
});
await node.start();

const inputOf = (model: Model, i: number) => model.quantizedInput([data.samples[i]!]);
const FEE = parseEther("0.001");
const asUser = {
  bountyG: bounties.groth16.connect(user!),
  bountyE: bounties.ezkl.connect(user!),
  bountyT: bounties.tee.connect(user!),
  gate: gate.connect(user!),
};
const requests = await step("send requests", async () => {
  const sent = [];
  for (const [label, tx] of [
    ["digits-mlp groth16 -> DigitBounty", asUser.bountyG.submit(packInt16(inputOf(models.mlp, bountySample)), { value: FEE })],
    ["digits-mlp ezkl -> DigitBounty", asUser.bountyE.submit(packInt16(inputOf(models.mlp, bountySample)), { value: FEE })],
    ["digits-mlp tee -> DigitBounty", asUser.bountyT.submit(packInt16(inputOf(models.mlp, bountySample)), { value: FEE })],
    ["digits-cnn ezkl -> ScoreGate", asUser.gate.applyWith(inputOf(models.cnn, gateSample), { value: FEE })],
  ] as const) {
    const { requestId, gas } = await sendRequest(tx);
    sent.push({ label, requestId, requestGas: gas, sentAt: performance.now() });
    console.log(`  request ${requestId}: ${label} (gas ${gas})`);
  }
  return sent;
});
await step("operator: prove + fulfil all", () => node.waitFor(requests.map((r) => r.requestId)));
await node.stop();
store.close();

console.log("\n== 6. verified results ==");
const rows = [["request", "what", "label", "proven argmax", "verified on chain", "consumer saw", "request gas", "fulfil gas", "prove"]];
let allVerified = true;
for (const r of requests) {
  const result = await waitForResult(router, r.requestId, { timeoutMs: 5_000 });
  const { request } = await readRequest(router, r.requestId);
  const verified = await router.isResult(r.requestId, request, packInt16(result.output));
  allVerified &&= verified && result.callbackDelivered;
  const receipt = (await connection.ethers.provider.getTransactionReceipt(result.transactionHash))!;
  const consumerSaw = consumerSawIn(receipt.logs);
  const label = r.label.includes("ScoreGate") ? labels[gateSample]! : labels[bountySample]!;
  rows.push([
    String(r.requestId),
    r.label,
    String(label),
    String(argmaxFlat(result.output.map(Number))),
    `${verified}${result.callbackDelivered ? " (callback delivered)" : " (callback failed)"}`,
    consumerSaw,
    String(r.requestGas),
    String(result.gasUsed),
    seconds(proveTimes.get(String(r.requestId)) ?? 0),
  ]);
}
console.log(table(rows));
console.log(
  `operator earned ${await router.balances(operator!.address)} wei in fees; user owed ${await bounties.groth16.owed(user!.address)} + ${await bounties.ezkl.owed(user!.address)} + ${await bounties.tee.owed(user!.address)} wei of bounty`,
);

console.log("\n== 7. OPML: optimistic claims, a dishonest operator disputed and beaten, the honest claims final after the window ==");
const opml = await runOpmlSection();
allVerified &&= opml.verified;

console.log("\n== time per step ==");
console.log(table(stepTimes));
provider.destroy();
await rpc.close();
await EzklDriver.stop();
await releaseSnarkjsWorkers();
if (!allVerified) {
  console.error("demo failed: a result was not verified on chain, a callback failed, or the OPML dispute went the wrong way");
  process.exitCode = 1;
}

/**
 * Section 7. A dishonest operator (dev account #3, `vinfer serve --dishonest output`)
 * claims a wrong digits-cnn result; the watcher (dev account #4, `vinfer challenge`)
 * re-executes it, challenges and plays the game to the end; the claim is
 * rejected and the request reopens. The honest operator (#1) then claims it
 * and a digits-mlp request; both become final once the window has passed.
 */
async function runOpmlSection(): Promise<{ verified: boolean }> {
  const opmlProver = (model: Model) => prepared.find((p) => p.model === model)!.provers.find((x) => x.proofType === ProofType.Opml)!;
  const liar = new OpmlProver(models.cnn, modelProgram(models.cnn), { lie: { kind: "output" } });
  const consumers = await step("deploy OPML consumers", async () => ({
    bounty: await (
      await new DigitBounty__factory(deployer!).deploy(addresses.router, models.mlp.modelId, ProofType.Opml, target, REWARD, {
        value: parseEther("1"),
      })
    ).waitForDeployment(),
    gate: await (
      await new ScoreGate__factory(deployer!).deploy(addresses.router, models.cnn.modelId, ProofType.Opml, labels[gateSample]!, MIN_MARGIN)
    ).waitForDeployment(),
  }));
  const adapterAddress = await router.adapters(ProofType.Opml);
  const adapter = OpmlAdapter__factory.connect(adapterAddress, provider);
  const storeDir = join(cacheDir(), "demo");
  const freshDb = (name: string) => {
    const path = join(storeDir, name);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
    return path;
  };
  const opmlNode = (account: number, db: string, provers: [Model, Prover][], logger: Logger) =>
    new OperatorNode({
      provider,
      wallet: new Wallet(devAccountKey(account), provider),
      router: addresses.router,
      registry: addresses.registry,
      store: new JobStore(freshDb(db)),
      provers: new Map(provers.map(([m, p]) => [m.modelId.toLowerCase(), [p]])),
      workDir: join(cacheDir(), "demo", "work"),
      pollIntervalMs: 200,
      logger,
    });
  const challengerWallet = new Wallet(devAccountKey(4), provider);
  const challengerStore = new ChallengerStore(freshDb("challenger.db"));
  const challenger = new Challenger({
    provider,
    wallet: challengerWallet,
    router,
    routerAddress: addresses.router,
    adapter: adapterAddress,
    store: challengerStore,
    models: new Map([models.mlp, models.cnn].map((m) => [m.modelId.toLowerCase(), m])),
    pollIntervalMs: 200,
    logger: {
      log(level, event, fields = {}) {
        if (["claim.wrong", "challenge.opened", "opml.game_over", "claim.settled"].includes(event) || level === "error")
          console.log(
            `  [watcher] ${event} ${Object.entries(fields)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(" ")}`,
          );
      },
    },
  });
  await challenger.start();

  // 7a. The lie and its dispute.
  const liarAccount = new Wallet(devAccountKey(3)).address;
  const dishonest = opmlNode(
    3,
    "dishonest-operator.db",
    [[models.cnn, liar]],
    prefixedLogger("dishonest operator", ["job.proved", "opml.claimed"]),
  );
  await dishonest.start();
  const gateRequest = await sendRequest(consumers.gate.connect(user!).applyWith(inputOf(models.cnn, gateSample), { value: FEE }));
  console.log(`  request ${gateRequest.requestId}: digits-cnn opml -> ScoreGate (gas ${gateRequest.gas})`);
  const lieClaim = await step("dishonest operator claims a wrong output", () => claimOf(gateRequest.requestId, liarAccount));
  const gameId = await step("watcher re-executes, challenges, and plays the game to the end", async () => {
    const challenged = await waitForEvent(() => adapter.queryFilter(adapter.filters.Challenged(lieClaim.claimKey)));
    const id = challenged.args.gameId;
    await waitForEvent(() => adapter.queryFilter(adapter.filters.GameResolved(id)));
    return id;
  });
  await dishonest.stop();
  const game = await adapter.game(gameId);
  const moves = await movesOf(adapter, gameId, challengerWallet.address);
  console.log(table([["#", "who", "move", "gas"], ...moves.rows]));
  const gameWon = game.phase === BigInt(GamePhase.ChallengerWon);
  const truth = elementAccumulators(
    models.cnn,
    ExecutionTrace.of(models.cnn, inputOf(models.cnn, gateSample)),
    Number(game.node),
    Number(game.element),
  ).y;
  console.log(
    `game ${gameId}: ${gameWon ? "the watcher won" : "THE LIAR WON"} in ${game.moves} moves, ${moves.totalGas} gas in all (challenge included).\n` +
      `disputed: node ${game.node} (${models.cnn.graph.nodes[Number(game.node)]!.op}), output element ${game.element}: claimed ${game.claimedValue}, ` +
      `re-executed on chain ${truth}.\nbonds: the watcher got its challenge bond back and half the liar's claim bond ` +
      `(${await adapter.balances(challengerWallet.address)} wei to withdraw), the other half was burned ` +
      `(${await adapter.burnedBonds()} wei); the liar's balance ${await adapter.balances(liarAccount)} wei.`,
  );
  await step("the rejected claim is settled: the request reopens", async () => {
    const { request } = await readRequest(router, gateRequest.requestId);
    if (!(await router.isPending(gateRequest.requestId, request))) await waitUntil(() => router.isPending(gateRequest.requestId, request));
  });

  // 7b. The honest operator claims both requests; the window passes; both become final.
  const honest = opmlNode(
    1,
    "operator-opml.db",
    [
      [models.mlp, opmlProver(models.mlp)],
      [models.cnn, opmlProver(models.cnn)],
    ],
    prefixedLogger("operator", ["job.proved", "opml.claimed", "opml.settled", "opml.bond_released"]),
  );
  await honest.start();
  const bountyRequest = await sendRequest(
    consumers.bounty.connect(user!).submit(packInt16(inputOf(models.mlp, bountySample)), { value: FEE }),
  );
  console.log(`  request ${bountyRequest.requestId}: digits-mlp opml -> DigitBounty (gas ${bountyRequest.gas})`);
  const operatorAddress = operator!.address;
  const claims = await step("honest operator claims both", () =>
    Promise.all([claimOf(gateRequest.requestId, operatorAddress), claimOf(bountyRequest.requestId, operatorAddress)]),
  );
  const window = await OpmlModel__factory.connect(
    (await readRequest(router, bountyRequest.requestId)).request.verifier,
    provider,
  ).challengeWindow();
  await step(`challenge window passes unchallenged (${window} s, advanced on the dev chain)`, async () => {
    await connection.networkHelpers.time.increase(window + 1n);
    await honest.waitFor([gateRequest.requestId, bountyRequest.requestId]);
  });
  await honest.stop();
  await challenger.stop();
  challengerStore.close();

  const rows = [["request", "what", "label", "argmax", "final on chain", "consumer saw", "request gas", "claim gas", "settle gas"]];
  let verified = gameWon;
  for (const [r, claim, label, what] of [
    [bountyRequest, claims[1], labels[bountySample]!, "digits-mlp opml -> DigitBounty"],
    [gateRequest, claims[0], labels[gateSample]!, "digits-cnn opml -> ScoreGate (after the lie was rejected)"],
  ] as const) {
    const result = await waitForResult(router, r.requestId, { timeoutMs: 5_000 });
    const { request } = await readRequest(router, r.requestId);
    const final = await router.isResult(r.requestId, request, packInt16(result.output));
    verified &&= final && result.callbackDelivered;
    const receipt = (await provider.getTransactionReceipt(result.transactionHash))!;
    rows.push([
      String(r.requestId),
      what,
      String(label),
      String(argmaxFlat(result.output.map(Number))),
      `${final}${result.callbackDelivered ? " (callback delivered)" : " (callback failed)"}`,
      consumerSawIn(receipt.logs),
      String(r.gas),
      String(claim.gas),
      String(result.gasUsed),
    ]);
  }
  console.log(table(rows));
  return { verified };
}

function prefixedLogger(who: string, events: readonly string[]): Logger {
  return {
    log(level, event, fields = {}) {
      if (events.includes(event) || level === "error")
        console.log(
          `  [${who}] ${event} ${Object.entries(fields)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(" ")}`,
        );
    },
  };
}

async function sendRequest(tx: Promise<ContractTransactionResponse>) {
  const receipt = (await (await tx).wait())!;
  return { requestId: (await requestOfReceipt(router, receipt)).requestId, gas: receipt.gasUsed };
}

/** The claim `claimer` posted for a request (its InferenceClaimed event), waiting for it. */
async function claimOf(requestId: bigint, claimer: string): Promise<{ claimKey: string; gas: bigint }> {
  const adapter = OpmlAdapter__factory.connect(await router.adapters(ProofType.Opml), provider);
  const opened = await waitForEvent(async () =>
    (await adapter.queryFilter(adapter.filters.ClaimOpened(undefined, requestId))).filter(
      (e) => e.args.claim.claimer.toLowerCase() === claimer.toLowerCase(),
    ),
  );
  const receipt = (await provider.getTransactionReceipt(opened.transactionHash))!;
  return { claimKey: opened.args.claimKey, gas: receipt.gasUsed };
}

/** Every transaction of a game, in order: who sent it, which events it emitted, its gas. */
async function movesOf(adapter: OpmlAdapter, gameId: bigint, challengerAddress: string) {
  const logs = await provider.getLogs({ address: await adapter.getAddress(), fromBlock: 0 });
  const txs = new Map<string, string[]>();
  for (const l of logs) {
    const parsed = adapter.interface.parseLog(l);
    if (parsed?.args.toObject().gameId !== gameId) continue;
    txs.set(l.transactionHash, [...(txs.get(l.transactionHash) ?? []), parsed.name]);
  }
  const rows: string[][] = [];
  let totalGas = 0n;
  for (const [hash, events] of txs) {
    const [tx, receipt] = await Promise.all([provider.getTransaction(hash), provider.getTransactionReceipt(hash)]);
    totalGas += receipt!.gasUsed;
    const who = tx!.from.toLowerCase() === challengerAddress.toLowerCase() ? "watcher" : "dishonest operator";
    rows.push([String(rows.length + 1), who, events.join(" + "), String(receipt!.gasUsed)]);
  }
  return { rows, totalGas };
}

function consumerSawIn(logs: readonly Log[]): string {
  for (const l of logs) {
    const b = bounties.groth16.interface.parseLog(l);
    if (b?.name === "DigitClassified") return `digit ${b.args.digit}, rewarded ${b.args.rewarded}`;
    const g = gate.interface.parseLog(l);
    if (g?.name === "Decided") return `admitted ${g.args.admitted}, margin ${g.args.margin}`;
  }
  return "";
}

async function waitForEvent<T>(query: () => Promise<readonly T[]>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [first] = await query();
    if (first) return first;
    if (Date.now() > deadline) throw new Error(`the demo waited ${timeoutMs} ms for an event that did not come`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  await waitForEvent(async () => ((await check()) ? [true] : []), timeoutMs);
}
