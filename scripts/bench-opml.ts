/**
 * OPML benchmark (`npm run bench:opml`, or `npx tsx scripts/bench-opml.ts`):
 * for digits-mlp, digits-cnn and the 10^7-parameter sweep MLP
 * (scripts/opml-sweep-model.ts, built first if missing) on the in-process
 * chain — the protocol deployed with Ignition, the model's OpmlModel
 * registered, requests sent through the router and fulfilled with OPML
 * claims:
 *   1. off chain: Model.load (decode + quantize), the commitment (model id,
 *      weights tree), the node programs, the execution trace, the claim;
 *   2. an honest claim: request, claim (the fulfil transaction), and after the
 *      challenge window (time advanced, never waited) settle and releaseBond;
 *   3. a whole dispute against a lie at the worst place — the (node, element,
 *      first wrong running value) whose game has the most moves — played to
 *      the end by claimerMove vs challengerMove (sdk/opml/playDispute.ts):
 *      moves, gas per move kind (min / max / mean), total gas, the bisection
 *      rounds per level next to ceil(log2 nodes) + ceil(log2 chunks) +
 *      ceil(log2 (K + 1)), and its wall time;
 *   4. the one step (executeStep) of every node, fold and epilogue, each at
 *      the end of its own dispute: the largest one-step gas (--no-steps skips).
 * Writes build/bench/opml.json (with the machine and the git commit).
 *
 * Options: --models a,b,c (zoo names or model folders; default digits-mlp,
 * digits-cnn, build/models/sweep-mlp-1e7), --quick (leave out the 10^7 model),
 * --no-steps, --out <file>.
 * Requests come from an account, not a consumer contract, with no callback
 * gas: the gas is the protocol's own (a consumer's callback adds its own).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

import { network } from "hardhat";

import { table } from "../cli/format.js";
import { Model } from "../sdk/model.js";
import { buildClaim } from "../sdk/opml/claim.js";
import { ClaimStatus, OpmlGame, ensureBond } from "../sdk/opml/gameClient.js";
import { GamePhase } from "../sdk/opml/moves.js";
import { type DisputeSummary, type PlayedDispute, playDispute, summarizeDispute } from "../sdk/opml/playDispute.js";
import { modelProgram, termCount } from "../sdk/opml/program.js";
import { OPML_DEFAULTS } from "../sdk/opml/proofSystem.js";
import { ExecutionTrace } from "../sdk/opml/trace.js";
import { prepareModel, verifiersOf } from "../sdk/proofs/prepareModel.js";
import { connectProtocol } from "../sdk/protocol/contracts.js";
import { deployProtocol } from "../sdk/protocol/deployProtocol.js";
import { ProofType } from "../sdk/protocol/proofType.js";
import { requestOfReceipt } from "../sdk/protocol/client.js";
import type { RequestRecord } from "../sdk/protocol/request.js";
import { registerModel } from "../sdk/protocol/registerModel.js";
import { readInputFile, readManifest } from "../sdk/zoo/files.js";
import { cacheDir, PACKAGE_ROOT } from "../sdk/paths.js";
import { packInt16 } from "../sdk/commit/int16Tensor.js";
import { type LiePlace, longestPlaces, placeOf } from "../sdk/bench/opmlPlaces.js";

const SWEEP_MODEL = join(cacheDir(), "models", "sweep-mlp-1e7");
const DEFAULT_MODELS = ["digits-mlp", "digits-cnn", SWEEP_MODEL];
/** Targets of the OPML issue. */
const TARGETS = { claimGas: 150_000n, stepGas: 300_000n, cnnDisputeMs: 120_000 };

const { values: args } = parseArgs({
  options: {
    models: { type: "string" },
    quick: { type: "boolean", default: false },
    "no-steps": { type: "boolean", default: false },
    out: { type: "string", default: join(cacheDir(), "bench", "opml.json") },
  },
});
let modelRefs = args.models ? args.models.split(",").map((s) => s.trim()) : DEFAULT_MODELS;
if (args.quick) modelRefs = modelRefs.filter((m) => m !== SWEEP_MODEL && !m.endsWith("sweep-mlp-1e7"));
if (modelRefs.length === 0) throw new Error("no model to benchmark (--models is empty, or --quick left none)");

const log = (message: string) => process.stderr.write(`${message}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kgas = (g: bigint) => `${g.toLocaleString("en")}`;
const mark = (ok: boolean) => (ok ? "ok" : "MISSED");

/**
 * Runs a long synchronous computation while a worker thread prints the time
 * elapsed every few seconds (the main thread's event loop is blocked).
 */
function withHeartbeat<T>(what: string, run: () => T, everyMs = 5_000): T {
  const worker = new Worker(
    `const { writeSync } = require("node:fs"); const t0 = Date.now();
     setInterval(() => writeSync(2, "    … ${what.replace(/["\\]/g, "")}: " + Math.round((Date.now() - t0) / 1000) + " s\\n"), ${everyMs});`,
    { eval: true },
  );
  try {
    return run();
  } finally {
    void worker.terminate();
  }
}

const timed = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
};

// ---------------------------------------------------------------------------------------------
// The 10^7 model, built if missing.
if (modelRefs.some((m) => m.endsWith("sweep-mlp-1e7")) && !existsSync(join(SWEEP_MODEL, "model.onnx"))) {
  log(`building the 10^7 sweep model into ${SWEEP_MODEL} (scripts/opml-sweep-model.ts --no-measure)…`);
  const r = spawnSync(
    join(PACKAGE_ROOT, "node_modules", ".bin", "tsx"),
    [join(PACKAGE_ROOT, "scripts", "opml-sweep-model.ts"), "--no-measure"],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) throw new Error(`scripts/opml-sweep-model.ts failed (exit ${r.status})`);
}

// ---------------------------------------------------------------------------------------------
// The chain.
log("deploying the protocol on the in-process chain (Ignition)…");
const connection = await network.create();
const { ethers, networkHelpers } = connection;
const [owner, claimerSigner, challengerSigner, user] = await ethers.getSigners();
const addresses = await deployProtocol(connection.provider);
const { router, registry } = connectProtocol(addresses, owner!);
const game = new OpmlGame(addresses.adapters.opml!, owner!);
const CLOCK = BigInt(OPML_DEFAULTS.clock);
const WINDOW = BigInt(OPML_DEFAULTS.challengeWindow);
const advanceTime = (s: bigint) => networkHelpers.time.increase(s).then(() => undefined);

async function request(model: Model, input: readonly bigint[]): Promise<{ rec: RequestRecord; gas: bigint }> {
  const receipt = (await (await router.connect(user!).request(model.modelId, packInt16(input), ProofType.Opml, 0)).wait())!;
  return { rec: await requestOfReceipt(router, receipt), gas: receipt.gasUsed };
}

async function fulfil(rec: RequestRecord, input: readonly bigint[], output: bigint[], evidence: string, bond: bigint) {
  await ensureBond(game, claimerSigner!, bond);
  const tx = await router.connect(claimerSigner!).fulfill(rec.requestId, rec.request, packInt16(input), packInt16(output), evidence);
  const receipt = (await tx.wait())!;
  return { opened: game.claimFromReceipt(receipt), gas: receipt.gasUsed, calldata: calldataOf(tx.data) };
}

/** A transaction's calldata: its size and its gas at 4 per zero byte and 16 per other byte (EIP-2028). */
function calldataOf(data: string): { bytes: number; gas: number } {
  let gas = 0;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4 : 16;
  return { bytes: (data.length - 2) / 2, gas };
}

// ---------------------------------------------------------------------------------------------
// Where a lie makes the longest game.

// The search lives in sdk/bench/opmlPlaces.ts (shared with `vinfer bench`).

// ---------------------------------------------------------------------------------------------
// One model.

interface DisputeResult {
  readonly place: LiePlace;
  readonly played: PlayedDispute;
  readonly summary: DisputeSummary;
  readonly challengeGas: bigint;
  readonly settleRejectedGas: bigint;
  readonly claimBuildMs: number;
  readonly wallMs: number;
  /** From the request to the rejected claim's settle, the lying claim's building included. */
  readonly endToEndMs: number;
}

async function dispute(
  model: Model,
  input: readonly bigint[],
  honest: ExecutionTrace,
  place: LiePlace,
  bond: bigint,
  onMove?: (fn: string, gas: bigint, index: number) => void,
): Promise<DisputeResult> {
  const start = performance.now();
  const { rec } = await request(model, input);
  const [claim, claimBuildMs] = timed(() => buildClaim(model, input, place.lie));
  const { opened } = await fulfil(rec, input, claim.output, claim.evidence, bond);
  const t0 = performance.now();
  const { gameId, receipt } = await game.connect(challengerSigner!).challenge(opened.claim);
  const played = await playDispute(
    game,
    gameId,
    { signer: claimerSigner!, ctx: { model, trace: claim.trace, ...(claim.lie ? { lie: claim.lie } : {}) } },
    { signer: challengerSigner!, ctx: { model, honest } },
    { advanceTime, clock: CLOCK, ...(onMove ? { onMove: (m, i) => onMove(m.fn, m.gas, i) } : {}) },
  );
  const wallMs = performance.now() - t0;
  if (played.view.phase !== GamePhase.ChallengerWon || played.byTimeout)
    throw new Error(`the honest challenger did not win the dispute on node ${place.node} (phase ${GamePhase[played.view.phase]})`);
  if ((await game.claimStatus(opened.claim)) !== ClaimStatus.Rejected) throw new Error("the lost claim is not Rejected");
  const settled = (await (await router.settle(rec.requestId, rec.request, packInt16(claim.output), opened.claim.claimer)).wait())!;
  return {
    place,
    played,
    summary: summarizeDispute(played, model.graph.nodes.length),
    challengeGas: receipt.gasUsed,
    settleRejectedGas: settled.gasUsed,
    claimBuildMs,
    wallMs,
    endToEndMs: performance.now() - start,
  };
}

async function benchModel(ref: string) {
  log(`\n== ${ref} ==`);
  const [model, loadMs] = timed(() => Model.load(ref));
  const name = model.graph.name;
  log(`  loaded and quantized in ${seconds(loadMs)}`);
  const big = (readManifest(model.path)?.parameters ?? 0) > 1_000_000;
  if (big) log(`  committing to the weights (keccak tree over every weight; 30 to 50 s for 10^7 weights on a 2-core machine)…`);
  const [commitment, commitMs] = timed(() => (big ? withHeartbeat("committing", () => model.commitment) : model.commitment));
  log(`  commitment ${seconds(commitMs)}: model id ${commitment.modelId}, ${commitment.weightCount.toLocaleString("en")} weights`);
  const [program, programMs] = timed(() => modelProgram(model));
  const input = model.quantizedInput([readInputFile(join(dirname(model.path), "input.json")).samples[0]!]);
  const [honest, traceMs] = timed(() => ExecutionTrace.of(model, input));
  const [claim, claimMs] = timed(() => buildClaim(model, input));
  log(`  program ${seconds(programMs)}, trace ${seconds(traceMs)} (${honest.steps.length} steps), claim ${seconds(claimMs)}`);

  // Registration and an honest claim.
  const t0 = performance.now();
  const prepared = await prepareModel(model, [ProofType.Opml]);
  const registered = await registerModel(registry, owner!, model, verifiersOf(prepared), `bench:${name}`);
  const verifierDeployGas = registered.verifiers[0]!.deployGas;
  const terms = await game.terms(registered.verifiers[0]!.address);
  log(`  registered (OpmlModel deploy ${kgas(verifierDeployGas)} gas) in ${seconds(performance.now() - t0)}`);
  const { rec, gas: requestGas } = await request(model, input);
  const { opened, gas: claimGas, calldata: claimCalldata } = await fulfil(rec, input, claim.output, claim.evidence, terms.claimBond);
  await advanceTime(WINDOW + 1n);
  if ((await game.claimStatus(opened.claim)) !== ClaimStatus.Accepted) throw new Error("the honest claim is not Accepted after the window");
  const settle = (await (await router.settle(rec.requestId, rec.request, packInt16(claim.output), opened.claim.claimer)).wait())!;
  if (!(await router.isResult(rec.requestId, rec.request, packInt16(claim.output))))
    throw new Error("the settled claim is not the request's result");
  const release = await game.releaseBond(opened.claim);
  log(
    `  honest claim: request ${kgas(requestGas)}, claim ${kgas(claimGas)}, settle ${kgas(settle.gasUsed)}, releaseBond ${kgas(release.gasUsed)} gas`,
  );

  // The worst dispute: the most moves, then the most gas.
  const played = new Map<string, DisputeResult>();
  const keyOf = (p: LiePlace) => `${p.node}/${p.firstWrong}`;
  for (const place of longestPlaces(model)) {
    log(
      `  dispute at node ${place.node} (${place.op}, K = ${place.terms}, ${place.outputs} outputs), element ${place.element}, ` +
        `first wrong value v_${place.firstWrong} (${place.lie.kind} lie, ends with the ${place.step} step): ${place.moves} moves expected`,
    );
    const r = await dispute(model, input, honest, place, terms.claimBond, (fn, gas, i) => {
      if (i % 5 === 4 || fn === "executeStep") log(`    move ${i + 1}/${place.moves}: ${fn} ${kgas(gas)} gas`);
    });
    played.set(keyOf(place), r);
    log(`  dispute over in ${seconds(r.wallMs)}: ${r.summary.moves} moves, ${kgas(r.summary.movesGas + r.challengeGas)} gas`);
  }
  const total = (r: DisputeResult) => r.summary.movesGas + r.challengeGas;
  const longest = [...played.values()];
  const worst = longest.reduce((a, b) => (total(b) > total(a) ? b : a));
  const place = worst.place;

  // The one step of every node, fold and epilogue.
  const steps: { node: number; op: string; step: "fold" | "epilogue"; term: number; gas: bigint; moves: number; wallMs: number }[] = [];
  if (!args["no-steps"]) {
    for (let node = 0; node < model.graph.nodes.length; node++) {
      const k = termCount(program.programs[node]!, 0);
      // fold: a lie in the middle term's running sum; epilogue: a lie in the element itself.
      for (const firstWrong of [Math.floor(k / 2) + 1, k + 1]) {
        const p = placeOf(model, node, firstWrong);
        const r = played.get(keyOf(p)) ?? (await dispute(model, input, honest, p, terms.claimBond));
        played.set(keyOf(p), r);
        const gas = r.played.gas.at(-1)!.gas;
        steps.push({ node, op: r.place.op, step: r.place.step, term: r.played.view.lo, gas, moves: r.summary.moves, wallMs: r.wallMs });
        log(`    node ${node} ${r.place.op} ${r.place.step} step (term ${r.played.view.lo}): ${kgas(gas)} gas`);
      }
    }
  }

  const bySize = (m: typeof steps) => m.reduce((a, b) => (b.gas > a.gas ? b : a));
  return {
    model: name,
    ref,
    parameters: commitment.weightCount,
    nodes: model.graph.nodes.length,
    ops: model.graph.nodes.map((n) => n.op),
    modelId: commitment.modelId,
    offchainMs: { load: loadMs, commit: commitMs, program: programMs, trace: traceMs, claim: claimMs, lyingClaim: worst.claimBuildMs },
    evidenceBytes: (claim.evidence.length - 2) / 2,
    inputValues: input.length,
    gas: {
      verifierDeploy: verifierDeployGas,
      request: requestGas,
      claim: claimGas,
      claimCalldataBytes: claimCalldata.bytes,
      claimIntrinsic: 21_000 + claimCalldata.gas,
      settleAccepted: settle.gasUsed,
      releaseBond: release.gasUsed,
    },
    dispute: {
      place,
      moves: worst.summary.moves,
      movesBound: worst.summary.movesBound,
      constantMoves: worst.summary.constantMoves,
      rounds: worst.summary.rounds,
      byKind: worst.summary.byKind,
      challengeGas: worst.challengeGas,
      movesGas: worst.summary.movesGas,
      totalGas: worst.summary.movesGas + worst.challengeGas,
      executeStepGas: worst.played.gas.at(-1)!.gas,
      settleRejectedGas: worst.settleRejectedGas,
      wallMs: worst.wallMs,
      endToEndMs: worst.endToEndMs,
      /** Every place with as many moves, played: node, first wrong value, total gas. */
      tied: longest.map((r) => ({
        node: r.place.node,
        op: r.place.op,
        firstWrong: r.place.firstWrong,
        totalGas: total(r),
        wallMs: r.wallMs,
      })),
    },
    steps,
    largestStep: steps.length ? bySize(steps) : { node: place.node, op: place.op, step: place.step, gas: worst.played.gas.at(-1)!.gas },
  };
}

// ---------------------------------------------------------------------------------------------
const started = performance.now();
const results = [];
for (const ref of modelRefs) results.push(await benchModel(ref));

const gitCommit = (() => {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PACKAGE_ROOT, encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: PACKAGE_ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
})();
const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  platform: `${process.platform} ${process.arch}`,
  node: process.version,
};

// ---------------------------------------------------------------------------------------------
// Tables.
const cols = results.map((r) => r.model);
console.log(`\n== OPML on the in-process chain (${machine.cpu}, ${machine.cores} cores, node ${machine.node}) ==`);
console.log("\n-- off chain --");
console.log(
  table([
    ["", ...cols],
    ["parameters", ...results.map((r) => r.parameters.toLocaleString("en"))],
    ["nodes", ...results.map((r) => String(r.nodes))],
    ["Model.load + quantize", ...results.map((r) => seconds(r.offchainMs.load))],
    ["commitment (model id)", ...results.map((r) => seconds(r.offchainMs.commit))],
    ["node programs", ...results.map((r) => seconds(r.offchainMs.program))],
    ["execution trace", ...results.map((r) => seconds(r.offchainMs.trace))],
    ["claim (trace + evidence)", ...results.map((r) => seconds(r.offchainMs.claim))],
    ["evidence bytes", ...results.map((r) => String(r.evidenceBytes))],
  ]),
);
console.log("\n-- an honest claim (gas) --");
console.log(
  table([
    ["", ...cols],
    ["OpmlModel deployment", ...results.map((r) => kgas(r.gas.verifierDeploy))],
    ["request (router.request)", ...results.map((r) => kgas(r.gas.request))],
    [`claim (fulfil) [< ${kgas(TARGETS.claimGas)}]`, ...results.map((r) => `${kgas(r.gas.claim)} ${mark(r.gas.claim < TARGETS.claimGas)}`)],
    ["  of which 21,000 + calldata", ...results.map((r) => `${kgas(BigInt(r.gas.claimIntrinsic))} (${r.gas.claimCalldataBytes} bytes)`)],
    ["  input values in the request", ...results.map((r) => String(r.inputValues))],
    ["settle (accepted, after the window)", ...results.map((r) => kgas(r.gas.settleAccepted))],
    ["releaseBond", ...results.map((r) => kgas(r.gas.releaseBond))],
  ]),
);
for (const r of results) {
  const d = r.dispute;
  const p = d.place;
  console.log(
    `\n-- ${r.model}: dispute at the worst place: node ${p.node} (${p.op}, K = ${p.terms}, ${p.outputs} outputs), element ${p.element}, ` +
      `lie ${p.lie.kind}${p.lie.kind === "accumulator" ? ` from acc_${p.firstWrong}` : ""} --`,
  );
  console.log(
    table([
      ["move", "count", "min gas", "max gas", "mean gas", "total gas"],
      ["challenge", "1", kgas(d.challengeGas), kgas(d.challengeGas), kgas(d.challengeGas), kgas(d.challengeGas)],
      ...d.byKind.map((k) => [k.fn, String(k.count), kgas(k.min), kgas(k.max), kgas(k.mean), kgas(k.total)]),
      ["whole dispute", String(d.moves + 1), "", "", "", kgas(d.totalGas)],
      ["settle (rejected)", "1", "", "", "", kgas(d.settleRejectedGas)],
    ]),
  );
  console.log(
    table([
      ["level", "bisects", "size", "rounds", "ceil(log2 size)"],
      ...d.rounds.map((l) => [String(l.level), l.over, String(l.size), String(l.measured), String(l.bound)]),
      [
        "moves",
        `2 × rounds + ${d.constantMoves} (revealNode, revealChunk, pickElement, executeStep)`,
        "",
        String(d.moves),
        String(d.movesBound),
      ],
    ]),
  );
  if (d.tied.length > 1)
    console.log(
      `as many moves (${d.moves}) at: ${d.tied.map((t) => `node ${t.node} ${t.op} (${kgas(t.totalGas)} gas)`).join(", ")}; the costliest is shown`,
    );
  console.log(
    `wall time of the dispute: ${seconds(d.wallMs)} from the challenge to the last step; ${seconds(d.endToEndMs)} from the request ` +
      `to the rejected claim's settle (the lying claim built in ${seconds(r.offchainMs.lyingClaim)})`,
  );
}
if (results.some((r) => r.steps.length)) {
  console.log("\n-- the one step (executeStep gas) of every node, at the end of its own dispute --");
  console.log(
    table([
      ["model", "node", "op", "step", "term", "gas", `< ${kgas(TARGETS.stepGas)}`],
      ...results.flatMap((r) =>
        r.steps.map((s) => [r.model, String(s.node), s.op, s.step, String(s.term), kgas(s.gas), mark(s.gas < TARGETS.stepGas)]),
      ),
    ]),
  );
}
console.log("\n-- targets --");
const cnn = results.find((r) => r.model === "digits-cnn");
console.log(
  table([
    ["target", "measured", ""],
    ...results.map((r) => [`${r.model}: claim < ${kgas(TARGETS.claimGas)} gas`, kgas(r.gas.claim), mark(r.gas.claim < TARGETS.claimGas)]),
    ...results.map((r) => [
      `${r.model}: every one step < ${kgas(TARGETS.stepGas)} gas`,
      `${kgas(r.largestStep.gas)} (node ${r.largestStep.node} ${r.largestStep.op} ${r.largestStep.step})`,
      mark(r.largestStep.gas < TARGETS.stepGas),
    ]),
    ...(cnn
      ? [
          [
            "digits-cnn: whole dispute < 2 min wall",
            `${seconds(cnn.dispute.wallMs)} (${seconds(cnn.dispute.endToEndMs)} from the request to the settle)`,
            mark(cnn.dispute.endToEndMs < TARGETS.cnnDisputeMs),
          ],
        ]
      : []),
  ]),
);

mkdirSync(dirname(args.out), { recursive: true });
const data = {
  date: new Date().toISOString(),
  machine,
  gitCommit,
  chain: "Hardhat 3 in-process EDR (network.create())",
  settings: { challengeWindowS: OPML_DEFAULTS.challengeWindow, clockS: OPML_DEFAULTS.clock },
  targets: TARGETS,
  totalWallMs: performance.now() - started,
  models: results,
};
writeFileSync(args.out, `${JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v), 1)}\n`);
console.log(`\ndata: ${args.out}`);
process.exit(0);
