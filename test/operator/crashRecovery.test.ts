/**
 * `vinfer serve` as a separate process, killed with SIGKILL at several points
 * of its work and restarted on the same database: every request must end up
 * fulfilled exactly once, and no request may ever get a second fulfil
 * transaction from the operator.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { spawnVinfer } from "../helpers/cli.js";
import { devAccountKey } from "../../sdk/chain/devAccounts.js";
import { type ChainEndpoint, operatorFixture } from "../helpers/operator.js";
import type { protocolFixture } from "../helpers/protocol.js";

const REQUESTS = 6;

interface Run {
  readonly child: ChildProcess;
  /** Every JSON log line's event, in order. */
  readonly events: string[];
  readonly exited: Promise<number | null>;
}

describe("vinfer serve killed with SIGKILL and restarted", function () {
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let chain: ChainEndpoint;
  let dir: string;

  before(async function () {
    ({ f, chain, dir } = await operatorFixture("crash"));
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ chainId: f.chainId.toString(), fromBlock: 0, ...f.addresses }));
  });

  after(async function () {
    await chain.close();
  });

  function serve(): Run {
    const args = ["serve", "--rpc", chain.server.url, "--deployment", join(dir, "deployment.json")];
    args.push("--model", "digits-mlp", "--proof", "groth16", "--db", join(dir, "operator.db"), "--poll-ms", "100", "--concurrency", "2");
    const child = spawnVinfer(args, { VINFER_PRIVATE_KEY: devAccountKey(1) });
    const events: string[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("{")) events.push((JSON.parse(line) as { event: string }).event);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, events, exited };
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
      const done = await Promise.all(sent.map((s) => f.router.isResult(s.requestId, s.request, f.outputOf(s.input))));
      if (done.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`not all fulfilled; operator events: ${last.events.join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the node record the last receipts, then stop it gracefully.
    const settled = Date.now() + 30_000;
    while (last.events.filter((e) => e === "job.done").length === 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    last.child.kill("SIGTERM");
    expect(await last.exited).to.equal(0);

    for (const id of ids) {
      const fulfilled = await f.router.queryFilter(f.router.filters.InferenceFulfilled(id));
      expect(fulfilled, `request ${id}: InferenceFulfilled events`).to.have.length(1);
      const hashes = [...chain.fulfilments].filter(([, r]) => r === id).map(([h]) => h);
      expect(hashes, `request ${id}: distinct fulfil transactions sent`).to.have.length(1);
      expect(hashes[0]).to.equal(fulfilled[0]!.transactionHash);
    }
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
