/**
 * The OPML dispute game's rules, move by move: who may move when, what each
 * move must prove, the clocks, the window and the bonds
 * (contracts/opml/OpmlDisputeGame.sol, contracts/adapters/OpmlAdapter.sol).
 * Whole games between honest and dishonest parties are in disputes.test.ts;
 * here every refusal is checked to name its error.
 */
import { expect } from "chai";
import { AbiCoder, ZeroHash, keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import { inputHashOfValues, outputHashOfValues } from "../../sdk/commit/tensorHash.js";
import { Model } from "../../sdk/model.js";
import { claimEvidence } from "../../sdk/opml/claim.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { OpmlAdapter__factory, OpmlModel__factory, type OpmlAdapter, type OpmlModel } from "../../types/ethers-contracts/index.js";
import type { ClaimRefStruct } from "../../types/ethers-contracts/adapters/OpmlAdapter.js";
import { join } from "node:path";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const WINDOW = 3600n;
const CLOCK = 600n;
const CLAIM_BOND = 10n ** 17n;
const CHALLENGE_BOND = 5n * 10n ** 16n;
const PROGRAM_ROOT = keccak256(toUtf8Bytes("not opened by these tests"));
const PENDING = 0n;
const ACCEPTED = 1n;
const REJECTED = 2n;

const evidenceOf = claimEvidence;

describe("OPML dispute game: the rules", function () {
  const model = Model.load("digits-mlp");
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  const input = model.quantizedInput([samples[0]!]);
  const trace = ExecutionTrace.of(model, input);
  const output = Array.from(trace.steps.at(-1)!.values, BigInt);
  const { modelId, irHash, weightsRoot, weightCount } = model.commitment;

  let connection: NetworkConnection;
  let router: HardhatEthersSigner, claimer: HardhatEthersSigner, challenger: HardhatEthersSigner, other: HardhatEthersSigner;
  let adapter: OpmlAdapter;
  let opmlModel: OpmlModel;
  let nextRequestId = 0n;

  before(async function () {
    connection = await network.create();
    const signers = await connection.ethers.getSigners();
    [router, claimer, challenger, other] = [signers[0]!, signers[1]!, signers[2]!, signers[3]!];
    // The executor is not reached by these rules (disputes.test.ts plays games to the step).
    adapter = await new OpmlAdapter__factory(router).deploy(other.address, router.address);
    opmlModel = await new OpmlModel__factory(router).deploy(
      irHash,
      weightsRoot,
      weightCount,
      PROGRAM_ROOT,
      trace.steps.length,
      WINDOW,
      CLOCK,
      CLAIM_BOND,
      CHALLENGE_BOND,
    );
  });

  function fulfilment(requestId: bigint, who: HardhatEthersSigner = claimer) {
    return { requestId, modelId, verifier: opmlModel.target as string, verifierParams: 0n, fulfiller: who.address };
  }

  function claimRef(requestId: bigint, who: HardhatEthersSigner = claimer): ClaimRefStruct {
    return {
      router: router.address,
      requestId,
      modelId,
      verifier: opmlModel.target as string,
      verifierParams: 0n,
      claimer: who.address,
      inputHash: inputHashOfValues(input),
      outputHash: outputHashOfValues(output),
      traceRoot: trace.root,
      finalState: trace.finalState,
    };
  }

  /** Opens a claim of the honest trace as the router would, with a fresh request id. */
  async function openClaim(): Promise<bigint> {
    const requestId = nextRequestId++;
    await adapter.connect(claimer).deposit({ value: CLAIM_BOND });
    await adapter.submit(fulfilment(requestId), packInt16(input), packInt16(output), evidenceOf(trace));
    return requestId;
  }

  async function openGame(requestId: bigint, who: HardhatEthersSigner = challenger): Promise<bigint> {
    const id = await adapter.nextGameId();
    await adapter.connect(who).challenge(claimRef(requestId), packInt16(input), { value: CHALLENGE_BOND });
    return id;
  }

  describe("a claim", function () {
    it("is opened only by the adapter's router, for the verifier's model, with a bond deposited", async function () {
      const f = fulfilment(1000n);
      await expect(adapter.connect(other).submit(f, packInt16(input), packInt16(output), evidenceOf(trace)))
        .to.be.revertedWithCustomError(adapter, "Adapter_NotRouter")
        .withArgs(other.address);
      await expect(adapter.submit({ ...f, modelId: ZeroHash }, packInt16(input), packInt16(output), evidenceOf(trace)))
        .to.be.revertedWithCustomError(adapter, "Adapter_ModelMismatch")
        .withArgs(ZeroHash, modelId);
      await expect(adapter.submit(fulfilment(1000n, other), packInt16(input), packInt16(output), evidenceOf(trace)))
        .to.be.revertedWithCustomError(adapter, "Game_InsufficientBond")
        .withArgs(other.address, CLAIM_BOND, 0n);
      await expect(adapter.submit(f, packInt16(input), packInt16(output), "0x1234"))
        .to.be.revertedWithCustomError(adapter, "Adapter_MalformedEvidence")
        .withArgs(2n);
    });

    it("must end its trace at the claimed output", async function () {
      const f = fulfilment(1001n);
      await adapter.connect(claimer).deposit({ value: CLAIM_BOND });
      const anotherOutput = [...output];
      anotherOutput[3] = anotherOutput[3]! + 1n;
      await expect(adapter.submit(f, packInt16(input), packInt16(anotherOutput), evidenceOf(trace)))
        .to.be.revertedWithCustomError(adapter, "Adapter_BadClaimOpening")
        .withArgs(1001n, 2n);
      const forged = AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "bytes32", "bytes32[]", "bytes32[]"],
        [trace.root, trace.states[1]!, trace.openState(trace.steps.length - 1).proof, []],
      );
      await expect(adapter.submit(f, packInt16(input), packInt16(output), forged))
        .to.be.revertedWithCustomError(adapter, "Adapter_BadClaimOpening")
        .withArgs(1001n, 1n);
    });

    it("whose trace does not start at the request's input loses its first game", async function () {
      // Another input's honest trace and output, claimed for this request's input.
      const otherTrace = ExecutionTrace.of(model, model.quantizedInput([samples[1]!]));
      const otherOutput = Array.from(otherTrace.steps.at(-1)!.values, BigInt);
      const requestId = nextRequestId++;
      await adapter.connect(claimer).deposit({ value: CLAIM_BOND });
      await adapter.submit(fulfilment(requestId), packInt16(input), packInt16(otherOutput), evidenceOf(otherTrace));
      const ref = {
        ...claimRef(requestId),
        outputHash: outputHashOfValues(otherOutput),
        traceRoot: otherTrace.root,
        finalState: otherTrace.finalState,
      };
      await expect(
        adapter.connect(challenger).challenge(ref, packInt16(input.map((v, k) => (k === 0 ? v + 1n : v))), { value: CHALLENGE_BOND }),
      ).to.be.revertedWithCustomError(adapter, "Game_InputMismatch");
      const gameId = await adapter.nextGameId();
      await adapter.connect(challenger).challenge(ref, packInt16(input), { value: CHALLENGE_BOND });
      expect((await adapter.game(gameId)).loState).to.equal(trace.initialState);
      for (let g = await adapter.game(gameId); g.phase === 0n; g = await adapter.game(gameId)) {
        const { stateRoot, proof } = otherTrace.openState(Number((g.lo + g.hi) / 2n));
        await adapter.connect(claimer).revealState(gameId, stateRoot, proof);
        await adapter.connect(challenger).pickState(gameId, false);
      }
      const open = otherTrace.openStep(1, 1);
      await expect(
        adapter.connect(claimer).revealNode(gameId, open.tensorRoot, open.count, otherTrace.statePath(1), { op: 0, params: [] }, []),
      )
        .to.be.revertedWithCustomError(adapter, "Game_BadStatePath")
        .withArgs(gameId, 1n);
    });

    it("answers Pending, locks the bond, and is Accepted only after an unchallenged window", async function () {
      const before = await adapter.balances(claimer.address);
      const requestId = nextRequestId++;
      await adapter.connect(claimer).deposit({ value: CLAIM_BOND });
      const f = fulfilment(requestId);
      expect(await adapter.submit.staticCall(f, packInt16(input), packInt16(output), evidenceOf(trace))).to.equal(PENDING);
      await expect(adapter.submit(f, packInt16(input), packInt16(output), evidenceOf(trace))).to.emit(adapter, "ClaimOpened");
      expect(await adapter.balances(claimer.address)).to.equal(before);
      const outputHash = outputHashOfValues(output);
      expect(await adapter.claimStatus(f, outputHash, router.address)).to.equal(PENDING);
      await expect(adapter.releaseBond(claimRef(requestId))).to.be.revertedWithCustomError(adapter, "Game_ClaimNotAccepted");
      await connection.networkHelpers.time.increase(WINDOW + 1n);
      expect(await adapter.claimStatus(f, outputHash, router.address)).to.equal(ACCEPTED);
      // The same claim is a different claim through another router, or for another output.
      expect(await adapter.claimStatus(f, outputHash, other.address)).to.equal(PENDING);
      expect(await adapter.claimStatus(f, ZeroHash, router.address)).to.equal(PENDING);
      await expect(
        adapter.connect(challenger).challenge(claimRef(requestId), packInt16(input), { value: CHALLENGE_BOND }),
      ).to.be.revertedWithCustomError(adapter, "Game_WindowClosed");
      await expect(adapter.connect(other).releaseBond(claimRef(requestId)))
        .to.emit(adapter, "BondReleased")
        .withArgs(await adapter.claimKeyOf(claimRef(requestId)), claimer.address, CLAIM_BOND);
      expect(await adapter.balances(claimer.address)).to.equal(before + CLAIM_BOND);
      await expect(adapter.releaseBond(claimRef(requestId))).to.be.revertedWithCustomError(adapter, "Game_ClaimNotAccepted");
      // A claim once opened cannot be opened again (the router never asks; a proven-wrong output must not be reclaimed).
      await adapter.connect(claimer).deposit({ value: CLAIM_BOND });
      await expect(adapter.submit(f, packInt16(input), packInt16(output), evidenceOf(trace))).to.be.revertedWithCustomError(
        adapter,
        "Game_ClaimExists",
      );
    });
  });

  describe("a challenge", function () {
    it("names an open claim exactly, within its window, with the model's bond", async function () {
      const requestId = await openClaim();
      await expect(adapter.connect(challenger).challenge(claimRef(requestId), packInt16(input), { value: CHALLENGE_BOND - 1n }))
        .to.be.revertedWithCustomError(adapter, "Game_WrongBond")
        .withArgs(CHALLENGE_BOND, CHALLENGE_BOND - 1n);
      await expect(
        adapter.connect(challenger).challenge({ ...claimRef(requestId), traceRoot: ZeroHash }, packInt16(input), { value: CHALLENGE_BOND }),
      ).to.be.revertedWithCustomError(adapter, "Game_ClaimMismatch");
      await expect(
        adapter.connect(challenger).challenge({ ...claimRef(requestId), inputHash: ZeroHash }, packInt16(input), { value: CHALLENGE_BOND }),
      ).to.be.revertedWithCustomError(adapter, "Game_ClaimMismatch");
      await expect(
        adapter.connect(challenger).challenge({ ...claimRef(requestId), requestId: 999_999n }, packInt16(input), { value: CHALLENGE_BOND }),
      ).to.be.revertedWithCustomError(adapter, "Game_ClaimNotOpen");
      const gameId = await adapter.nextGameId();
      await expect(adapter.connect(challenger).challenge(claimRef(requestId), packInt16(input), { value: CHALLENGE_BOND }))
        .to.emit(adapter, "Challenged")
        .withArgs(await adapter.claimKeyOf(claimRef(requestId)), gameId, challenger.address);
      const g = await adapter.game(gameId);
      expect(g.lo).to.equal(0n);
      expect(g.hi).to.equal(BigInt(trace.steps.length - 1));
      expect(g.loState).to.equal(trace.initialState);
      expect(g.hiState).to.equal(trace.finalState);
      expect(g.claimerClock).to.equal(CLOCK);
    });

    it("keeps the claim Pending while a game is open, even after the window", async function () {
      const requestId = await openClaim();
      await openGame(requestId);
      await connection.networkHelpers.time.increase(WINDOW + 1n);
      expect(await adapter.claimStatus(fulfilment(requestId), outputHashOfValues(output), router.address)).to.equal(PENDING);
    });
  });

  describe("moves", function () {
    it("are refused out of turn, out of phase, and with a bad opening", async function () {
      const gameId = await openGame(await openClaim());
      const mid = Math.floor((trace.steps.length - 1) / 2);
      const { stateRoot, proof } = trace.openState(mid);
      await expect(adapter.connect(challenger).revealState(gameId, stateRoot, proof))
        .to.be.revertedWithCustomError(adapter, "Game_NotYourTurn")
        .withArgs(gameId, claimer.address, challenger.address);
      await expect(adapter.connect(claimer).pickState(gameId, true)).to.be.revertedWithCustomError(adapter, "Game_WrongPhase");
      await expect(adapter.connect(claimer).revealState(gameId, trace.states[mid + 1]!, proof))
        .to.be.revertedWithCustomError(adapter, "Game_BadStateProof")
        .withArgs(gameId, BigInt(mid));
      await expect(adapter.connect(claimer).revealState(gameId, stateRoot, proof.slice(1))).to.be.revertedWithCustomError(
        adapter,
        "Game_BadStateProof",
      );
      await expect(adapter.connect(claimer).revealState(gameId, stateRoot, proof))
        .to.emit(adapter, "StateRevealed")
        .withArgs(gameId, BigInt(mid), stateRoot);
      await expect(adapter.connect(claimer).pickState(gameId, false))
        .to.be.revertedWithCustomError(adapter, "Game_NotYourTurn")
        .withArgs(gameId, challenger.address, claimer.address);
      await expect(adapter.connect(challenger).pickState(gameId, true)).to.emit(adapter, "StatePicked").withArgs(gameId, true);
      expect((await adapter.game(gameId)).lo).to.equal(BigInt(mid));
      expect((await adapter.game(gameId)).moves).to.equal(2n);
    });

    it("end level 1 only with a step leaf that joins the agreed and the disputed state", async function () {
      const gameId = await openGame(await openClaim());
      // Walk level 1 to its end agreeing every time: the dispute lands on the last node.
      for (let g = await adapter.game(gameId); g.phase === 0n; g = await adapter.game(gameId)) {
        const { stateRoot, proof } = trace.openState(Number((g.lo + g.hi) / 2n));
        await adapter.connect(claimer).revealState(gameId, stateRoot, proof);
        await adapter.connect(challenger).pickState(gameId, true);
      }
      const last = trace.steps.length - 1;
      const open = trace.openStep(last, last);
      const path = trace.statePath(last);
      const program = { op: 0, params: [] };
      await expect(adapter.connect(claimer).revealNode(gameId, open.tensorRoot, open.count + 1, path, program, []))
        .to.be.revertedWithCustomError(adapter, "Game_BadStatePath")
        .withArgs(gameId, BigInt(last));
      await expect(adapter.connect(claimer).revealNode(gameId, ZeroHash, open.count, path, program, [])).to.be.revertedWithCustomError(
        adapter,
        "Game_BadStatePath",
      );
      await expect(
        adapter.connect(claimer).revealNode(gameId, open.tensorRoot, open.count, path.slice(1), program, []),
      ).to.be.revertedWithCustomError(adapter, "Game_BadStatePath");
      // The right leaf, but a program that is not the model's node (the program root pins them).
      await expect(adapter.connect(claimer).revealNode(gameId, open.tensorRoot, open.count, path, program, []))
        .to.be.revertedWithCustomError(adapter, "Game_BadProgram")
        .withArgs(gameId, BigInt(last - 1));
    });
  });

  describe("clocks", function () {
    it("let the waiting side win once the mover's clock ran out, and not before", async function () {
      const requestId = await openClaim();
      const gameId = await openGame(requestId);
      const challengerBefore = await adapter.balances(challenger.address);
      const burnedBefore = await adapter.burnedBonds();
      await expect(adapter.timeout(gameId)).to.be.revertedWithCustomError(adapter, "Game_ClockNotExpired");
      await connection.networkHelpers.time.increase(CLOCK + 1n);
      const { stateRoot, proof } = trace.openState(Number((await adapter.game(gameId)).hi / 2n));
      await expect(adapter.connect(claimer).revealState(gameId, stateRoot, proof))
        .to.be.revertedWithCustomError(adapter, "Game_ClockExpired")
        .withArgs(gameId, claimer.address);
      await expect(adapter.connect(other).timeout(gameId)).to.emit(adapter, "GameResolved").withArgs(gameId, true, true);
      expect(await adapter.balances(challenger.address)).to.equal(challengerBefore + CHALLENGE_BOND + CLAIM_BOND / 2n);
      expect(await adapter.burnedBonds()).to.equal(burnedBefore + CLAIM_BOND / 2n);
      expect(await adapter.claimStatus(fulfilment(requestId), outputHashOfValues(output), router.address)).to.equal(REJECTED);
      await expect(adapter.connect(claimer).revealState(gameId, stateRoot, proof)).to.be.revertedWithCustomError(adapter, "Game_Over");
      await expect(adapter.timeout(gameId)).to.be.revertedWithCustomError(adapter, "Game_Over");
    });

    it("charge each side only for its own moves: the challenger's slow pick does not cost the claimer", async function () {
      const gameId = await openGame(await openClaim());
      await connection.networkHelpers.time.increase(CLOCK / 2n);
      const { stateRoot, proof } = trace.openState(Number((await adapter.game(gameId)).hi / 2n));
      await adapter.connect(claimer).revealState(gameId, stateRoot, proof);
      const afterReveal = await adapter.game(gameId);
      expect(afterReveal.claimerClock).to.be.lessThan(CLOCK / 2n + 1n);
      await connection.networkHelpers.time.increase(CLOCK - 10n);
      await adapter.connect(challenger).pickState(gameId, true);
      const afterPick = await adapter.game(gameId);
      expect(afterPick.claimerClock).to.equal(afterReveal.claimerClock);
      expect(afterPick.challengerClock).to.be.lessThan(11n);
      // The claimer still has its half clock, so the challenger cannot time it out yet.
      await expect(adapter.timeout(gameId)).to.be.revertedWithCustomError(adapter, "Game_ClockNotExpired");
    });
  });

  describe("several challengers", function () {
    it("each play their own game; once one wins, the others are refunded and their moves refused", async function () {
      const requestId = await openClaim();
      const first = await openGame(requestId, challenger);
      const second = await openGame(requestId, other);
      await connection.networkHelpers.time.increase(CLOCK + 1n);
      await expect(adapter.refundChallenge(second)).to.be.revertedWithCustomError(adapter, "Game_ClaimNotRejected");
      await adapter.timeout(first);
      const { stateRoot, proof } = trace.openState(1);
      await expect(adapter.connect(claimer).revealState(second, stateRoot, proof)).to.be.revertedWithCustomError(
        adapter,
        "Game_ClaimRejected",
      );
      const before = await adapter.balances(other.address);
      await expect(adapter.refundChallenge(second)).to.emit(adapter, "ChallengeRefunded").withArgs(second, other.address);
      expect(await adapter.balances(other.address)).to.equal(before + CHALLENGE_BOND);
      await expect(adapter.refundChallenge(second)).to.be.revertedWithCustomError(adapter, "Game_Over");
      await expect(adapter.refundChallenge(99_999n)).to.be.revertedWithCustomError(adapter, "Game_UnknownGame");
    });

    it("lose their bond to the claimer when they stop moving against a claim", async function () {
      const requestId = await openClaim();
      const gameId = await openGame(requestId);
      const { stateRoot, proof } = trace.openState(Number((await adapter.game(gameId)).hi / 2n));
      await adapter.connect(claimer).revealState(gameId, stateRoot, proof);
      await connection.networkHelpers.time.increase(CLOCK + 1n);
      const before = await adapter.balances(claimer.address);
      await expect(adapter.timeout(gameId)).to.emit(adapter, "GameResolved").withArgs(gameId, false, true);
      expect(await adapter.balances(claimer.address)).to.equal(before + CHALLENGE_BOND);
      await connection.networkHelpers.time.increase(WINDOW);
      expect(await adapter.claimStatus(fulfilment(requestId), outputHashOfValues(output), router.address)).to.equal(ACCEPTED);
    });
  });

  it("pays out only what an account holds", async function () {
    const someone = (await connection.ethers.getSigners())[5]!;
    await adapter.connect(someone).deposit({ value: 123n });
    await expect(adapter.connect(someone).withdraw()).to.emit(adapter, "Withdrawn").withArgs(someone.address, 123n);
    await expect(adapter.connect(someone).withdraw()).to.be.revertedWithCustomError(adapter, "Game_NothingToWithdraw");
  });
});
