/**
 * `vinfer serve` as a separate process, killed with SIGKILL at several points
 * of its work and restarted on the same database: every request must end up
 * fulfilled exactly once, and no request may ever get a second fulfil
 * transaction from the operator.
 *
 * OPML: a `vinfer serve --proof opml --dishonest` operator and a `vinfer
 * challenge` watcher, both killed with SIGKILL in the middle of their dispute
 * game and restarted on their databases: the honest side still wins, and
 * neither ever signs the same action twice (every transaction broadcast is a
 * distinct call; a re-sent one has the same hash).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";
import { Transaction } from "ethers";

import "../helpers/releaseWorkers.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { spawnVinfer } from "../helpers/cli.js";
import { devAccountKey } from "../../sdk/chain/devAccounts.js";
import { WorkerProcess } from "../../scripts/devchain/fleetWorker.js";
import { type RedisServer, startRedis } from "../../scripts/devchain/redisServer.js";
import { type ChainEndpoint, operatorFixture } from "../helpers/operator.js";
import { protocolFixture } from "../helpers/protocol.js";
import { serveJsonRpc } from "../../scripts/devchain/jsonRpcServer.js";
import { OpmlGame } from "../../sdk/opml/gameClient.js";
import { GamePhase } from "../../sdk/opml/moves.js";
import { OPML_DEFAULTS, type OpmlProver, opmlProofSystem } from "../../sdk/opml/proofSystem.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { rpcProvider } from "../../sdk/chain/rpcProvider.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const REQUESTS = 6;

interface Run {
  readonly child: ChildProcess;
  /** Every JSON log line's event, in order. */
  readonly events: string[];
  /** Where its metrics are served (its metrics.listening event), once it has said. */
  readonly metricsUrl: { url?: string };
  readonly exited: Promise<number | null>;
}

for (const fleet of [false, true])
  describe(`vinfer serve${fleet ? " --queue (the coordinator of two prover worker processes)" : ""} killed with SIGKILL and restarted`, function () {
    let f: Awaited<ReturnType<typeof protocolFixture>>;
    let chain: ChainEndpoint;
    let dir: string;

    let redis: RedisServer | undefined;
    const workers: WorkerProcess[] = [];

    before(async function () {
      ({ f, chain, dir } = await operatorFixture("crash"));
      writeFileSync(join(dir, "deployment.json"), JSON.stringify({ chainId: f.chainId.toString(), fromBlock: 0, ...f.addresses }));
      if (fleet) {
        redis = await startRedis();
        workers.push(new WorkerProcess(redis.url, ["groth16"], 10_000), new WorkerProcess(redis.url, ["groth16"], 10_000));
        await Promise.all(workers.map((w) => w.until("fleet.worker_ready")));
      }
    });

    after(async function () {
      await Promise.all(workers.map((w) => w.stop()));
      await redis?.stop();
      await chain.close();
    });

    function serve(): Run {
      const args = ["serve", "--rpc", chain.server.url, "--deployment", join(dir, "deployment.json")];
      args.push("--model", "digits-mlp", "--proof", "groth16", "--db", join(dir, "operator.db"), "--poll-ms", "100", "--concurrency", "2");
      if (redis) args.push("--queue", redis.url);
      args.push("--metrics-port", "0");
      const child = spawnVinfer(args, { VINFER_PRIVATE_KEY: devAccountKey(1) });
      const events: string[] = [];
      const metricsUrl: { url?: string } = {};
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!line.startsWith("{")) return;
        const entry = JSON.parse(line) as { event: string; url?: string };
        events.push(entry.event);
        if (entry.event === "metrics.listening") metricsUrl.url = entry.url;
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, events, metricsUrl, exited };
    }

    /** Runs a node until `event` has been logged `count` times (or `ms` passed), then kills it with SIGKILL. */
    async function killAt(event: string, count = 1, ms = 60_000): Promise<string[]> {
      const run = serve();
      const deadline = Date.now() + ms;
      while (run.events.filter((e) => e === event).length < count && Date.now() < deadline && run.child.exitCode === null)
        await new Promise((r) => setTimeout(r, 5));
      run.child.kill("SIGKILL");
      await run.exited;
      return run.events;
    }

    it("fulfils every request exactly once and never sends a second fulfilment", async function () {
      const sent = [];
      for (let i = 0; i < REQUESTS; i++) sent.push(await f.userRequest(30 + i, { fee: 1n }));
      // With the fleet, every proof comes from a worker (the coordinator proves nothing itself).

      // Killed right after storing a proof, right after storing a signed transaction, and mid-flight.
      const killedAt = [
        await killAt("job.proved"),
        await killAt("tx.signed"),
        await killAt("tx.broadcast", 2),
        await killAt("job.proving", 2),
      ];
      for (const [i, events] of killedAt.entries()) {
        expect(events).to.include("operator.start");
        const n = (e: string) => events.filter((x) => x === e).length;
        console.log(
          `      run ${i + 1} SIGKILLed after: ${n("job.proved")} proved, ${n("tx.signed")} signed, ${n("tx.broadcast")} broadcast, ${n("tx.rebroadcast")} re-sent, ${n("job.done")} done`,
        );
      }

      // The last run goes on until every request is fulfilled, then stops gracefully.
      const last = serve();
      const ids = sent.map((s) => s.requestId);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const done = await Promise.all(sent.map((s) => f.router.isResult(s.requestId, s.request, packInt16(f.outputOf(s.input)))));
        if (done.every(Boolean)) break;
        if (Date.now() > deadline) throw new Error(`not all fulfilled; operator events: ${last.events.join(", ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Let the node record the last receipts, then stop it gracefully.
      const settled = Date.now() + 30_000;
      while (last.events.filter((e) => e === "job.done").length === 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      // Its metrics, as Prometheus scrapes them: every request done in the store.
      const metrics = await (await fetch(last.metricsUrl.url!)).text();
      expect(metrics).to.contain(`vinfer_jobs{state="done"} ${REQUESTS}`);
      if (fleet) expect(metrics).to.match(/vinfer_fleet_queue_jobs\{proof_type="groth16",model="0x[0-9a-f]+",state="completed"\} [1-9]/);
      expect((await fetch(last.metricsUrl.url!.replace("/metrics", "/healthz"))).status).to.equal(200);
      last.child.kill("SIGTERM");
      expect(await last.exited).to.equal(0);

      for (const id of ids) {
        const fulfilled = await f.router.queryFilter(f.router.filters.InferenceFulfilled(id));
        expect(fulfilled, `request ${id}: InferenceFulfilled events`).to.have.length(1);
        const hashes = [...chain.fulfilments].filter(([, r]) => r === id).map(([h]) => h);
        expect(hashes, `request ${id}: distinct fulfil transactions sent`).to.have.length(1);
        expect(hashes[0]).to.equal(fulfilled[0]!.transactionHash);
      }
      if (fleet) expect(workers.reduce((n, w) => n + w.count("fleet.proved"), 0)).to.be.at.least(REQUESTS);
      const store = new JobStore(join(dir, "operator.db"));
      try {
        expect(
          store
            .all()
            .filter((j) => ids.includes(j.requestId))
            .map((j) => j.state),
        ).to.deep.equal(ids.map(() => "done"));
      } finally {
        store.close();
      }
    });
  });

describe("OPML: vinfer serve --dishonest and vinfer challenge killed with SIGKILL mid-dispute and restarted", function () {
  const CHALLENGER = 4;
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let server: Awaited<ReturnType<typeof serveJsonRpc>>;
  let dir: string;
  /** Every transaction broadcast to the chain, by hash. */
  const sent = new Map<string, { from: string; to: string; data: string; value: bigint }>();

  before(async function () {
    f = await protocolFixture();
    server = await serveJsonRpc(f.connection.provider, 0, (call) => {
      if (call.method !== "eth_sendRawTransaction") return;
      const tx = Transaction.from(String(call.params![0]));
      sent.set(tx.hash!, { from: tx.from!, to: tx.to!, data: tx.data, value: tx.value });
    });
    const prover = (await opmlProofSystem.prepare(f.model)) as OpmlProver;
    await registerModel(f.registry, f.owner, f.model, [prover.verifier()]);
    dir = mkdtempSync(join(tmpdir(), "vinfer-opml-crash-"));
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ chainId: f.chainId.toString(), fromBlock: 0, ...f.addresses }));
  });

  after(async function () {
    await server.close();
  });

  function start(args: string[], env: Record<string, string> = {}): Run {
    const child = spawnVinfer([...args, "--rpc", server.url, "--deployment", join(dir, "deployment.json"), "--poll-ms", "100"], env);
    const events: string[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("{")) events.push((JSON.parse(line) as { event: string }).event);
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        if (code !== 0 && code !== null) console.error(stderr);
        resolve(code);
      }),
    );
    return { child, events, metricsUrl: {}, exited };
  }

  const serve = () =>
    start(["serve", "--model", "digits-mlp", "--proof", "opml", "--dishonest", "node:0:5", "--db", join(dir, "operator.db")], {
      VINFER_PRIVATE_KEY: devAccountKey(1),
    });
  const challenge = () => start(["challenge", "--model", "digits-mlp", "--store", join(dir, "challenger.db")]);

  async function until(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const count = (run: Run, event: string) => run.events.filter((e) => e === event).length;
  async function kill(run: Run): Promise<void> {
    run.child.kill("SIGKILL");
    await run.exited;
  }

  it("the challenger still wins, and no action is ever signed twice", async function () {
    const provider = rpcProvider(server.url, 100);
    const game = new OpmlGame(f.addresses.adapters.opml!, provider);
    const challengerAddress = (await f.ethers.getSigners())[CHALLENGER]!.address;
    const before = await game.balanceOf(challengerAddress);
    const { requestId } = await f.userRequest(40, { proofType: ProofType.Opml, fee: 1n });

    // Both run into the game; the challenger is killed after its second move, the operator after
    // its next one (both down mid-game), then both restart; the operator is killed once more.
    const op1 = serve();
    const ch1 = challenge();
    await until("the challenger's second move", () => count(ch1, "opml.move") >= 2);
    await kill(ch1);
    const opMoves = count(op1, "opml.move");
    await until("the operator's next move", () => count(op1, "opml.move") > opMoves, 30_000).catch(() => undefined);
    await kill(op1);
    const ch2 = challenge();
    const op2 = serve();
    await until("the operator's second move after its restart", () => count(op2, "opml.move") >= 2);
    await kill(op2);
    const op3 = serve();
    const rejected = async () => (await game.contract.queryFilter(game.contract.filters.ClaimRejected())).length > 0;
    await until("the claim's rejection", rejected);
    await until("the operator's record of it", () => count(op3, "opml.rejected") >= 1);
    await until("the challenger's record of its win", () => count(ch2, "opml.game_over") >= 1);
    for (const run of [op3, ch2]) run.child.kill("SIGTERM");
    expect(await op3.exited).to.equal(0);
    expect(await ch2.exited).to.equal(0);
    console.log(
      `      operator moves per run: ${[op1, op2, op3].map((r) => count(r, "opml.move")).join(", ")}; challenger: ${[ch1, ch2].map((r) => count(r, "opml.move")).join(", ")}; re-sent: ${[op1, op2, op3, ch1, ch2].reduce((n, r) => n + count(r, "tx.rebroadcast"), 0)}`,
    );

    const [gameLog] = await game.contract.queryFilter(game.contract.filters.Challenged());
    const view = await game.game(gameLog!.args.gameId);
    expect(view.phase).to.equal(GamePhase.ChallengerWon);
    expect(await game.balanceOf(challengerAddress)).to.equal(before + OPML_DEFAULTS.challengeBond + OPML_DEFAULTS.claimBond / 2n);
    const fulfilled = await f.router.queryFilter(f.router.filters.InferenceFulfilled(requestId));
    expect(fulfilled, "the wrong output never reaches the requester").to.deep.equal([]);

    // Nothing signed twice. A game move may repeat a call (pickState(g, true) twice), so moves are
    // counted against the game's own move count; every other call (fulfil, deposit, challenge)
    // must have been broadcast as one transaction. Every transaction was mined and succeeded: a
    // duplicate move would have reverted (wrong phase) or added to the count.
    const iface = game.contract.interface;
    const isMove = (t: { to: string; data: string }) =>
      t.to.toLowerCase() === game.address.toLowerCase() &&
      !(["deposit", "challenge"] as const).some((fn) => t.data.startsWith(iface.getFunction(fn)!.selector));
    const calls = new Map<string, string[]>();
    for (const [hash, tx] of sent) {
      if (isMove(tx)) continue;
      const key = `${tx.from}|${tx.to}|${tx.data}|${tx.value}`;
      calls.set(key, [...(calls.get(key) ?? []), hash]);
    }
    expect(
      [...calls.values()].filter((hashes) => hashes.length > 1),
      "calls signed more than once",
    ).to.deep.equal([]);
    for (const hash of sent.keys()) expect((await provider.getTransactionReceipt(hash))?.status, `transaction ${hash}`).to.equal(1);
    expect([...sent.values()].filter(isMove).length, "game transactions = the game's moves").to.equal(view.moves);
    provider.destroy();
  });
});
