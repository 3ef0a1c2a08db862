/**
 * OPML disputes end to end on the in-process chain: the router, the OPML
 * adapter (the dispute game), a per-model OpmlModel, a consumer, and the
 * SDK's strategies (sdk/opml/moves.ts) playing both sides.
 *
 * Specification:
 * - whatever a claimer lies about (an output element, any node's element with
 *   the later nodes run on it, running sums from any term on, reveals that
 *   change from move to move), the honest challenger wins every game, takes
 *   half the claim bond, and the router settles the claim Rejected: the consumer
 *   never sees the wrong output;
 * - whatever a dishonest challenger picks against a correct claim, the honest
 *   claimer wins, takes the challenge bond, and after the window the router
 *   settles Accepted and delivers the output; the claim bond is released;
 * - the honest side also wins when the other one stops moving (timeout);
 * - moves the contract refuses come back as ProtocolErrors naming the error.
 * Moves and gas per move kind are printed for a whole dispute on digits-mlp
 * and digits-cnn.
 */
import { join } from "node:path";

import { expect } from "chai";
import type { Signer } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { Model } from "../../sdk/model.js";
import { buildClaim, type OpmlClaim } from "../../sdk/opml/claim.js";
import { ClaimStatus, type ClaimRef, OpmlGame, ensureBond } from "../../sdk/opml/gameClient.js";
import type { Lie } from "../../sdk/opml/lies.js";
import { type ChallengerContext, type ClaimerContext, GamePhase, claimerMove, disputes } from "../../sdk/opml/moves.js";
import { type PlayedDispute, type Side, playDispute, summarizeDispute } from "../../sdk/opml/playDispute.js";
import { modelProgram, termCount } from "../../sdk/opml/accumulators.js";
import { OPML_DEFAULTS, OpmlProver, opmlProofSystem } from "../../sdk/opml/proofSystem.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { deployProtocol } from "../../sdk/protocol/deployProtocol.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { requestOfReceipt } from "../../sdk/protocol/client.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { ProtocolError } from "../../sdk/errors.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { type RecordingConsumer, RecordingConsumer__factory } from "../../types/ethers-contracts/index.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const [owner, claimerSigner, challengerSigner, secondChallenger] = await ethers.getSigners();

const CALLBACK_GAS = 500_000;
const CLOCK = BigInt(OPML_DEFAULTS.clock);
const WINDOW = BigInt(OPML_DEFAULTS.challengeWindow);
const { claimBond: CLAIM_BOND, challengeBond: CHALLENGE_BOND } = OPML_DEFAULTS;
/** Fuzzed games per property on digits-mlp (half as many on digits-cnn). */
const LIAR_RUNS = 40;
const ATTACK_RUNS = 24;
/** A side that stops moving stops after at most this many moves (a game has about 20 to 26). */
const MAX_MOVES_BEFORE_STOP = 14;

const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;

interface Deployed {
  readonly model: Model;
  readonly router: Awaited<ReturnType<typeof connectProtocol>>["router"];
  readonly game: OpmlGame;
  readonly consumer: RecordingConsumer;
}

const addresses = await deployProtocol(connection.provider);
const { router, registry } = connectProtocol(addresses, owner!);
const game = new OpmlGame(addresses.adapters.opml!, owner!);
const consumer = await (await new RecordingConsumer__factory(owner!).deploy(addresses.router)).waitForDeployment();

async function deployModel(name: string): Promise<Deployed> {
  const model = Model.load(name);
  const prover = (await opmlProofSystem.prepare(model)) as OpmlProver;
  await registerModel(registry, owner!, model, [prover.verifier()]);
  return { model, router, game, consumer };
}

const mlp = await deployModel("digits-mlp");
const cnn = await deployModel("digits-cnn");
// Models written as torch.onnx.export writes them (exporter nodes folded away at load time).
const torchExports = await Promise.all(["digits-mlp-torch", "digits-lenet-bn", "digits-transformer"].map(deployModel));

const honestTraces = new Map<string, ExecutionTrace>();
function inputOf(model: Model, sample: number): bigint[] {
  return model.quantizedInput([samples[sample % samples.length]!]);
}
function honestTrace(model: Model, sample: number): ExecutionTrace {
  const key = `${model.modelId}/${sample}`;
  let t = honestTraces.get(key);
  if (!t) {
    t = ExecutionTrace.of(model, inputOf(model, sample));
    honestTraces.set(key, t);
  }
  return t;
}

interface Posted {
  readonly rec: RequestRecord;
  readonly claim: OpmlClaim;
  readonly ref: ClaimRef;
  readonly claimKey: string;
}

/** The consumer requests `sample`; the claimer deposits its bond and claims (a lie if given). */
async function postClaim(d: Deployed, sample: number, lie?: Lie, reopened?: RequestRecord): Promise<Posted> {
  const input = inputOf(d.model, sample);
  const rec =
    reopened ??
    (await requestOfReceipt(
      d.router,
      (await (await d.consumer.requestFor(d.model.modelId, packInt16(input), ProofType.Opml, CALLBACK_GAS)).wait())!,
    ));
  const claim = buildClaim(d.model, input, lie);
  await ensureBond(d.game, claimerSigner!, CLAIM_BOND);
  const fulfilled = await (
    await d.router.connect(claimerSigner!).fulfill(rec.requestId, rec.request, packInt16(input), packInt16(claim.output), claim.evidence)
  ).wait();
  const opened = d.game.claimFromReceipt(fulfilled!);
  return { rec, claim, ref: opened.claim, claimKey: opened.claimKey };
}

/** Plays a game to its end with both strategies; a side that stops (or has no move) is timed out. */
function play(gameId: bigint, claimer: Side<ClaimerContext>, challenger: Side<ChallengerContext>): Promise<PlayedDispute> {
  return playDispute(game, gameId, claimer, challenger, {
    advanceTime: (s) => networkHelpers.time.increase(s).then(() => undefined),
    clock: CLOCK,
  });
}

const balance = (s: Signer) => s.getAddress().then((a) => game.balanceOf(a));

/** The lie of fuzzed raw choices, in range for `model`. */
function lieOf(model: Model, kind: number, nodeRaw: number, elementRaw: number, termRaw: number, seed: number): Lie {
  const trace = honestTrace(model, 0);
  const nodes = model.graph.nodes.length;
  const node = nodeRaw % nodes;
  const element = elementRaw % trace.steps[node + 1]!.values.length;
  switch (kind % 5) {
    case 0:
      return { kind: "output", element: elementRaw % trace.steps[nodes]!.values.length };
    case 1:
      return { kind: "node", node, element };
    case 2:
      return { kind: "accumulator", node, element, term: termRaw % termCount(modelProgram(model).programs[node]!, element) };
    case 3:
      return { kind: "inconsistent", node, element, seed };
    default:
      return { kind: "random", seed };
  }
}

async function expectSettledRejected(d: Deployed, p: Posted): Promise<void> {
  const deliveries = await d.consumer.deliveries();
  expect(await d.game.claimStatus(p.ref)).to.equal(ClaimStatus.Rejected);
  const settled = await (await d.router.settle(p.rec.requestId, p.rec.request, packInt16(p.claim.output), p.ref.claimer)).wait();
  expect(settled!.logs.map((l) => d.router.interface.parseLog(l)?.name)).to.include("ClaimRejected");
  expect(await d.router.isPending(p.rec.requestId, p.rec.request)).to.equal(true);
  expect(await d.consumer.deliveries()).to.equal(deliveries);
}

async function expectSettledAccepted(d: Deployed, p: Posted, sample: number): Promise<void> {
  const deliveries = await d.consumer.deliveries();
  await networkHelpers.time.increase(WINDOW + 1n);
  expect(await d.game.claimStatus(p.ref)).to.equal(ClaimStatus.Accepted);
  await (await d.router.settle(p.rec.requestId, p.rec.request, packInt16(p.claim.output), p.ref.claimer)).wait();
  expect(await d.consumer.deliveries()).to.equal(deliveries + 1n);
  const honestOutput = Array.from(honestTrace(d.model, sample).steps.at(-1)!.values, (v) => BigInt(v));
  expect(p.claim.output).to.deep.equal(honestOutput);
  for (let i = 0; i < honestOutput.length; i++) expect(await d.consumer.lastOutput(i)).to.equal(honestOutput[i]);
  const before = await balance(claimerSigner!);
  await d.game.releaseBond(p.ref);
  expect((await balance(claimerSigner!)) - before).to.equal(CLAIM_BOND);
}

/** Gas and move counts of one whole dispute, printed. */
function report(name: string, model: Model, played: PlayedDispute, challengeGas: bigint): void {
  const { view } = played;
  const s = summarizeDispute(played, model.graph.nodes.length);
  console.log(`      ${name}: dispute on node ${view.node}, element ${view.element} (K = ${view.termCount}): ${s.moves} moves`);
  console.log(`        challenge: ${challengeGas} gas`);
  for (const k of s.byKind) console.log(`        ${k.fn}: ${k.count} × ${k.mean} gas (mean; min ${k.min}, max ${k.max})`);
  console.log(`        whole dispute (challenge and every move): ${s.movesGas + challengeGas} gas`);
  console.log(
    `        bisection rounds: ${s.rounds.map((r) => `level ${r.level} ${r.measured}`).join(", ")}` +
      ` (bound ceil(log2 nodes) + ceil(log2 chunks) + ceil(log2 (terms + 1)) = ${s.rounds.map((r) => r.bound).join(" + ")})`,
  );
}

describe("OPML disputes (router, adapter game, SDK strategies)", function () {
  it("an honest claim no one challenges is accepted after the window and delivered", async function () {
    const p = await postClaim(mlp, 1);
    expect(await game.claimStatus(p.ref)).to.equal(ClaimStatus.Pending);
    expect(disputes(p.ref, honestTrace(mlp.model, 1))).to.equal(false);
    await expectSettledAccepted(mlp, p, 1);
  });

  for (const [name, d, liarRuns, attackRuns] of [
    ["digits-mlp", () => mlp, LIAR_RUNS, ATTACK_RUNS],
    ["digits-cnn", () => cnn, Math.ceil(LIAR_RUNS / 2), Math.ceil(ATTACK_RUNS / 2)],
    ...torchExports.map((d) => [d.model.graph.name, () => d, 3, 2] as const),
  ] as const) {
    it(`${name}: the honest challenger wins against every lie of a claimer, and the claim is rejected (property)`, async function () {
      const { model } = d();
      await fc.assert(
        fc.asyncProperty(
          fc.nat(samples.length - 1),
          fc.nat(4),
          fc.nat(),
          fc.nat(),
          fc.nat(),
          fc.nat(),
          fc.option(fc.nat(MAX_MOVES_BEFORE_STOP), { freq: 4 }),
          async (sample, kind, nodeRaw, elementRaw, termRaw, seed, liarStops) => {
            const lie = lieOf(model, kind, nodeRaw, elementRaw, termRaw, seed);
            const p = await postClaim(d(), sample, lie);
            const honest = honestTrace(model, sample);
            expect(disputes(p.ref, honest)).to.equal(true);
            const { gameId } = await game.connect(challengerSigner!).challenge(p.ref);
            const before = await balance(challengerSigner!);
            const played = await play(
              gameId,
              {
                signer: claimerSigner!,
                ctx: { model, trace: p.claim.trace, lie: p.claim.lie },
                ...(liarStops === null ? {} : { stopAfter: liarStops }),
              },
              { signer: challengerSigner!, ctx: { model, honest } },
            );
            expect(played.view.phase, `lie ${JSON.stringify(lie)}`).to.equal(GamePhase.ChallengerWon);
            if (liarStops === null) expect(played.byTimeout).to.equal(false);
            expect((await balance(challengerSigner!)) - before).to.equal(CHALLENGE_BOND + CLAIM_BOND / 2n);
            await expectSettledRejected(d(), p);
          },
        ),
        { numRuns: liarRuns },
      );
    });

    it(`${name}: the honest claimer wins against a dishonest challenger of a correct claim, and the claim is accepted (property)`, async function () {
      const { model } = d();
      await fc.assert(
        fc.asyncProperty(
          fc.nat(samples.length - 1),
          fc.nat(),
          fc.option(fc.nat(MAX_MOVES_BEFORE_STOP), { freq: 4 }),
          async (sample, seed, challengerStops) => {
            const p = await postClaim(d(), sample);
            const { gameId } = await game.connect(challengerSigner!).challenge(p.ref);
            const before = await balance(claimerSigner!);
            const played = await play(
              gameId,
              { signer: claimerSigner!, ctx: { model, trace: p.claim.trace } },
              {
                signer: challengerSigner!,
                ctx: { model, honest: honestTrace(model, sample), strategy: "random", seed },
                ...(challengerStops === null ? {} : { stopAfter: challengerStops }),
              },
            );
            expect(played.view.phase).to.equal(GamePhase.ClaimerWon);
            if (challengerStops === null) expect(played.byTimeout).to.equal(false);
            expect((await balance(claimerSigner!)) - before).to.equal(CHALLENGE_BOND);
            await expectSettledAccepted(d(), p, sample);
          },
        ),
        { numRuns: attackRuns },
      );
    });
  }

  it("refunds the other challengers once one game rejected the claim", async function () {
    const p = await postClaim(mlp, 2, { kind: "output", element: 3 });
    const first = await game.connect(challengerSigner!).challenge(p.ref);
    const second = await game.connect(secondChallenger!).challenge(p.ref);
    const honest = honestTrace(mlp.model, 2);
    const played = await play(
      first.gameId,
      { signer: claimerSigner!, ctx: { model: mlp.model, trace: p.claim.trace, lie: p.claim.lie } },
      { signer: challengerSigner!, ctx: { model: mlp.model, honest } },
    );
    expect(played.view.phase).to.equal(GamePhase.ChallengerWon);
    const before = await balance(secondChallenger!);
    await game.refundChallenge(second.gameId);
    expect((await balance(secondChallenger!)) - before).to.equal(CHALLENGE_BOND);
    expect((await game.game(second.gameId)).phase).to.equal(GamePhase.Refunded);
    expect(await game.gamesOf(p.claimKey)).to.deep.equal([first.gameId, second.gameId]);
    expect((await game.claimsOpened(p.rec.blockNumber)).map((c) => c.claimKey)).to.include(p.claimKey);
    const wallet = await ethers.provider.getBalance(secondChallenger!);
    const withdrawn = await game.connect(secondChallenger!).withdraw();
    const fee = withdrawn.gasUsed * withdrawn.gasPrice;
    expect((await ethers.provider.getBalance(secondChallenger!)) - wallet + fee).to.be.greaterThanOrEqual(CHALLENGE_BOND);
    expect(await balance(secondChallenger!)).to.equal(0n);
    await expectSettledRejected(mlp, p);
    // The request reopened: an honest claim on it stands and reaches the consumer.
    const honestClaim = await postClaim(mlp, 2, undefined, p.rec);
    await expectSettledAccepted(mlp, honestClaim, 2);
  });

  it("a reveal the claimer did not commit to is refused with the contract's error, and the claimer is timed out", async function () {
    const p = await postClaim(mlp, 3, { kind: "node", node: 0, element: 5 });
    const honest = honestTrace(mlp.model, 3);
    const { gameId } = await game.connect(challengerSigner!).challenge(p.ref);
    // The liar tries the honest trace's state root: it does not open against its own trace root.
    const view = await game.game(gameId);
    const move = claimerMove(view, { model: mlp.model, trace: honest });
    try {
      await game.connect(claimerSigner!).play(move!);
      expect.fail("the reveal was accepted");
    } catch (err) {
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as ProtocolError).revertName).to.equal("Game_BadStateProof");
      expect((err as Error).message).to.match(/does not open at the midpoint/);
    }
    const played = await play(
      gameId,
      { signer: claimerSigner!, ctx: { model: mlp.model, trace: honest }, stopAfter: 0 },
      { signer: challengerSigner!, ctx: { model: mlp.model, honest } },
    );
    expect(played.view.phase).to.equal(GamePhase.ChallengerWon);
    expect(played.byTimeout).to.equal(true);
    await expectSettledRejected(mlp, p);
  });

  for (const [name, d, lie] of [
    ["digits-mlp", () => mlp, { kind: "node", node: 0, element: 17 }],
    ["digits-cnn", () => cnn, { kind: "node", node: 0, element: 300 }],
  ] as const) {
    it(`a whole dispute on ${name}: moves and gas per move kind`, async function () {
      const deployed = d();
      const p = await postClaim(deployed, 4, lie);
      const { gameId, receipt } = await game.connect(challengerSigner!).challenge(p.ref);
      const played = await play(
        gameId,
        { signer: claimerSigner!, ctx: { model: deployed.model, trace: p.claim.trace, lie: p.claim.lie } },
        { signer: challengerSigner!, ctx: { model: deployed.model, honest: honestTrace(deployed.model, 4) } },
      );
      expect(played.view.phase).to.equal(GamePhase.ChallengerWon);
      expect(played.byTimeout).to.equal(false);
      report(name, deployed.model, played, receipt.gasUsed);
      await expectSettledRejected(deployed, p);
    });
  }
});
