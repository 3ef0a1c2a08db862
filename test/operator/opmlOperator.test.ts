/**
 * The operator node and the challenger (sdk/operator/challenger.ts) on OPML
 * requests, in process against a chain served over JSON-RPC.
 *
 * Specification:
 * - an honest operator deposits its claim bond, claims (the router answers
 *   Pending: the job is `claimed`), and once the challenge window has passed
 *   it settles: the consumer's callback gets the output, the fee is credited,
 *   the bond is released (job `settled`); a challenger running alongside finds
 *   the claim correct and challenges nothing;
 * - a dishonest operator's claim (each kind of lie) is found wrong by the
 *   challenger, which challenges it and plays the game to the end against the
 *   operator's own defence: the challenger wins, takes its bond back and half the claim bond (the rest burned), the job is
 *   `rejected`, and the consumer gets nothing; the challenger then settles the
 *   rejected claim on the router, so the request is pending again at once;
 * - a dishonest challenger's game against a correct claim is won by the
 *   operator's defence, which then settles;
 * - claims of a model the challenger does not know are skipped, with the reason.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { ChallengerStore, Challenger } from "../../sdk/operator/challenger.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { jsonLogger } from "../../sdk/operator/log.js";
import { Model } from "../../sdk/model.js";
import { OpmlGame } from "../../sdk/opml/gameClient.js";
import type { Lie } from "../../sdk/opml/lies.js";
import { challengerMove, gameOver } from "../../sdk/opml/moves.js";
import { OPML_DEFAULTS, type OpmlProver, opmlProofSystem } from "../../sdk/opml/proofSystem.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { requestOfReceipt } from "../../sdk/protocol/client.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { type RecordingConsumer, RecordingConsumer__factory } from "../../types/ethers-contracts/index.js";
import { type OperatorFixture, operatorFixture, operatorNode } from "../helpers/operator.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const OPERATOR = 1;
const CHALLENGER = 4;
const CALLBACK_GAS = 500_000;
const FEE = 1_000n;
const { claimBond: CLAIM_BOND, challengeBond: CHALLENGE_BOND } = OPML_DEFAULTS;
const logger = process.env.VINFER_TEST_LOGS ? { logger: jsonLogger((l) => process.stderr.write(l)) } : {};

describe("OPML operator and challenger", function () {
  let fx: OperatorFixture;
  let honest: OpmlProver;
  let game: OpmlGame;
  let consumer: RecordingConsumer;
  let dir: string;
  let n = 0;

  before(async function () {
    fx = await operatorFixture("opml");
    const { f } = fx;
    dir = mkdtempSync(join(tmpdir(), "vinfer-opml-op-"));
    honest = (await opmlProofSystem.prepare(f.model)) as OpmlProver;
    await registerModel(f.registry, f.owner, f.model, [honest.verifier()]);
    game = new OpmlGame(f.addresses.adapters.opml!, fx.chain.provider);
    consumer = await (await new RecordingConsumer__factory(f.owner).deploy(f.addresses.router)).waitForDeployment();
  });

  after(async function () {
    await fx.chain.close();
  });

  /** The consumer requests digits-mlp on sample `i` with OPML. */
  async function request(i: number): Promise<RequestRecord> {
    const { f } = fx;
    const receipt = await (
      await consumer.requestFor(f.model.modelId, packInt16(f.inputOf(i)), ProofType.Opml, CALLBACK_GAS, { value: FEE })
    ).wait();
    return requestOfReceipt(f.router, receipt!);
  }

  async function prover(lie?: Lie): Promise<OpmlProver> {
    return lie ? ((await opmlProofSystem.prepare(fx.f.model, { settings: { opml: { lie } } })) as OpmlProver) : honest;
  }

  function challenger(models: Model[] = [fx.f.model], fromBlock = 0) {
    const store = new ChallengerStore(join(dir, `challenger-${n++}.db`));
    const c = new Challenger({
      provider: fx.chain.provider,
      wallet: fx.chain.wallet(CHALLENGER),
      router: fx.f.router,
      routerAddress: fx.f.addresses.router,
      adapter: game.address,
      store,
      models: new Map(models.map((m) => [m.modelId.toLowerCase(), m])),
      pollIntervalMs: 50,
      fromBlock,
      ...logger,
    });
    return { c, store };
  }

  async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const job0Output = (store: JobStore, id: bigint) => store.get(id)!.output!;
  const balance = (index: number) => game.balanceOf(fx.chain.wallet(index).address);
  const increaseTime = (s: bigint) => fx.f.connection.networkHelpers.time.increase(s);

  it("settles an honest claim after the window: the consumer gets the output, the fee and the bond go back", async function () {
    const { f } = fx;
    const rec = await request(3);
    const store = new JobStore(join(dir, `operator-${n++}.db`));
    const node = operatorNode(fx, store, [honest], { fromBlock: rec.blockNumber });
    const watcher = challenger([f.model], rec.blockNumber);
    const bondBefore = await balance(OPERATOR);
    await node.start();
    await watcher.c.start();
    try {
      await until("the claim", () => store.get(rec.requestId)?.state === "claimed");
      expect(await balance(OPERATOR), "the claim bond is locked").to.equal(bondBefore > CLAIM_BOND ? bondBefore - CLAIM_BOND : 0n);
      await until("the challenger's verdict", () =>
        watcher.store.all().some((c) => c.requestId === rec.requestId && c.state === "correct"),
      );
      expect(store.get(rec.requestId)!.state, "not settled within the window").to.equal("claimed");
      await increaseTime(BigInt(OPML_DEFAULTS.challengeWindow) + 1n);
      const [job] = await node.waitFor([rec.requestId], 30_000);
      expect(job!.state).to.equal("settled");
    } finally {
      await node.stop();
      await watcher.c.stop();
    }
    expect(await consumer.deliveries()).to.equal(1n);
    expect((await consumer.lastOutput(0)) as bigint).to.equal(f.outputOf(rec.input)[0]);
    expect(await f.router.isResult(rec.requestId, rec.request, packInt16(f.outputOf(rec.input)))).to.equal(true);
    expect(await f.router.balances(fx.chain.wallet(OPERATOR).address)).to.equal(FEE);
    expect(await balance(OPERATOR), "bond released").to.be.greaterThanOrEqual(CLAIM_BOND);
    expect(watcher.store.games.all(), "a correct claim is not challenged").to.deep.equal([]);
    store.close();
    watcher.store.close();
  });

  for (const lie of [
    { kind: "output", element: 2 },
    { kind: "node", node: 0, element: 5 },
    { kind: "accumulator", node: 2, element: 1, term: 7 },
  ] as Lie[]) {
    it(`rejects a dishonest claim (${lie.kind} lie): the challenger wins the game against the operator's defence, takes its bond and half the claim bond, and settles the claim: the request is pending again`, async function () {
      const { f } = fx;
      const deliveries = await consumer.deliveries();
      const rec = await request(7);
      const store = new JobStore(join(dir, `operator-${n++}.db`));
      const node = operatorNode(fx, store, [await prover(lie)], { fromBlock: rec.blockNumber });
      const watcher = challenger([f.model], rec.blockNumber);
      const challengerBefore = await balance(CHALLENGER);
      await node.start();
      await watcher.c.start();
      try {
        const [job] = await node.waitFor([rec.requestId], 60_000);
        expect(job!.state).to.equal("rejected");
        await watcher.c.waitForGames(30_000);
      } finally {
        await node.stop();
        await watcher.c.stop();
      }
      const games = watcher.store.games.all();
      expect(games.map((g) => g.state)).to.deep.equal(["won"]);
      expect(store.games.all().map((g) => [g.gameId, g.state])).to.deep.equal([[games[0]!.gameId, "lost"]]);
      expect(await balance(CHALLENGER)).to.equal(challengerBefore + CHALLENGE_BOND + CLAIM_BOND / 2n);
      expect(await consumer.deliveries(), "the consumer never sees a wrong output").to.equal(deliveries);
      expect(await f.router.isResult(rec.requestId, rec.request, packInt16(job0Output(store, rec.requestId)))).to.equal(false);
      expect(await f.router.isPending(rec.requestId, rec.request), "settled by the challenger: open again").to.equal(true);
      const settled = await f.router.queryFilter(f.router.filters.ClaimRejected(rec.requestId), rec.blockNumber);
      expect(settled.map((l) => l.args.fulfiller)).to.deep.equal([fx.chain.wallet(OPERATOR).address]);
      expect(watcher.store.all().map((c) => [c.requestId, c.state])).to.deep.equal([[rec.requestId, "settled"]]);
      const { claimKey } = games[0]!;
      expect(watcher.store.txs.get(`settle:${rec.requestId}:${claimKey}`)?.hash).to.equal(settled[0]!.transactionHash);
      // Settled by someone else first (here: its own record of the settle forgotten): Router_NoClaim, settled all the same.
      watcher.store.txs.drop(`settle:${rec.requestId}:${claimKey}`);
      watcher.store.setState(claimKey, "challenged");
      await watcher.c.tick();
      expect(watcher.store.get(claimKey)!.state).to.equal("settled");
      expect(watcher.store.get(claimKey)!.reason).to.equal(`settled by another account (transaction ${settled[0]!.transactionHash})`);
      store.close();
      watcher.store.close();
    });
  }

  it("defends a correct claim against a dishonest challenger, then settles it", async function () {
    const { f } = fx;
    const rec = await request(11);
    const store = new JobStore(join(dir, `operator-${n++}.db`));
    const node = operatorNode(fx, store, [honest], { fromBlock: rec.blockNumber });
    const operatorBefore = await balance(OPERATOR);
    await node.start();
    try {
      await until("the claim", () => store.get(rec.requestId)?.state === "claimed");
      const claim = store.get(rec.requestId)!.claim!;
      // A challenger that attacks the correct claim at random, by hand.
      const attacker = game.connect(fx.chain.wallet(CHALLENGER));
      const { gameId } = await attacker.challenge(claim.claim);
      const ctx = { model: f.model, honest: ExecutionTrace.of(f.model, rec.input), strategy: "random" as const, seed: 5 };
      for (;;) {
        const view = await game.game(gameId);
        if (gameOver(view.phase)) break;
        const move = challengerMove(view, ctx);
        if (move) await attacker.play(move).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
      await until("the operator's win", () => store.games.get(gameId)?.state === "won");
      await increaseTime(BigInt(OPML_DEFAULTS.challengeWindow) + 1n);
      const [job] = await node.waitFor([rec.requestId], 30_000);
      expect(job!.state).to.equal("settled");
    } finally {
      await node.stop();
    }
    // Its deposit (topped up to the claim bond) back, plus the attacker's bond.
    expect(await balance(OPERATOR)).to.equal((operatorBefore > CLAIM_BOND ? operatorBefore : CLAIM_BOND) + CHALLENGE_BOND);
    store.close();
  });

  it("skips claims of models it does not know, and says so", async function () {
    const rec = await request(13);
    const store = new JobStore(join(dir, `operator-${n++}.db`));
    const node = operatorNode(fx, store, [honest], { fromBlock: rec.blockNumber });
    const watcher = challenger([Model.load("sweep-mlp-1e2")], rec.blockNumber);
    await node.start();
    await watcher.c.start({ loop: false });
    try {
      await until("the claim", () => store.get(rec.requestId)?.state === "claimed");
      await watcher.c.tick();
      const [seen] = watcher.store.all();
      expect(seen!.state).to.equal("skipped");
      expect(seen!.reason).to.match(/unknown model 0x[0-9a-f]{64} \(not among --model\)/);
    } finally {
      await node.stop();
    }
    await increaseTime(BigInt(OPML_DEFAULTS.challengeWindow) + 1n); // leave no claim open for the next tests
    store.close();
    watcher.store.close();
  });
});
