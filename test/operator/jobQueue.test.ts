/**
 * The operator's job queue (SQLite JobStore): a job moves only along the
 * allowed edges, and a job leased to one worker cannot be taken by another
 * until the lease is released or expires.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import fc from "fast-check";

import { JOB_TRANSITIONS, type JobState, JobTransitionError } from "../../sdk/operator/jobQueue.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";

const ZERO32 = `0x${"00".repeat(32)}`;
const CLAIM = {
  claimKey: `0x${"cc".repeat(32)}`,
  windowEnd: 1_000,
  claim: {
    router: `0x${"33".repeat(20)}`,
    requestId: 1n,
    modelId: ZERO32,
    verifier: `0x${"22".repeat(20)}`,
    verifierParams: 0n,
    claimer: `0x${"44".repeat(20)}`,
    inputHash: ZERO32,
    outputHash: ZERO32,
    traceRoot: `0x${"01".repeat(32)}`,
    finalState: `0x${"03".repeat(32)}`,
  },
};

function record(requestId: bigint): RequestRecord {
  return {
    requestId,
    input: [1n, -2n],
    blockNumber: 1,
    request: {
      requester: `0x${"11".repeat(20)}`,
      fee: 0n,
      modelId: ZERO32,
      inputHash: ZERO32,
      verifier: `0x${"22".repeat(20)}`,
      verifierParams: 16n,
      deadline: 100n,
      callbackGasLimit: 0n,
      outputLength: 1n,
      proofType: 0,
    },
  } as RequestRecord;
}

/** Each of the store's moves: the states it starts from and the state it reaches (the specification). */
const MOVES: Record<string, { from: JobState[]; to: JobState; run: (s: JobStore, id: bigint) => void }> = {
  markProved: { from: ["pending"], to: "proved", run: (s, id) => s.markProved(id, [1n], "0x01") },
  markSigned: { from: ["proved"], to: "signed", run: (s, id) => s.markSigned(id, `0x${"ab".repeat(32)}`, "0x02") },
  markUnsigned: { from: ["signed"], to: "proved", run: (s, id) => s.markUnsigned(id, "replaced") },
  markDone: { from: ["signed"], to: "done", run: (s, id) => s.markDone(id) },
  markSkipped: { from: ["pending", "proved", "signed"], to: "skipped", run: (s, id) => s.markSkipped(id, "not ours") },
  markFailed: { from: ["pending", "proved"], to: "failed", run: (s, id) => s.markFailed(id, "gave up") },
  markClaimed: { from: ["signed"], to: "claimed", run: (s, id) => s.markClaimed(id, CLAIM) },
  markSettled: { from: ["claimed"], to: "settled", run: (s, id) => s.markSettled(id) },
  markRejected: { from: ["claimed"], to: "rejected", run: (s, id) => s.markRejected(id, "lost game 0") },
};

describe("JobStore (the operator's job queue)", function () {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-queue-"));
  let n = 0;
  const fresh = () => {
    const store = new JobStore(join(dir, `q${n++}.db`));
    store.addScanned(
      [1n, 2n, 3n].map((id) => ({ record: record(id), state: "pending" as const })),
      10,
    );
    return store;
  };

  it("moves a job only from the states each move starts from, along JOB_TRANSITIONS, whatever the order of calls", function () {
    for (const [name, m] of Object.entries(MOVES))
      for (const from of m.from) expect(JOB_TRANSITIONS[from], `${name}: ${from} -> ${m.to}`).to.include(m.to);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(MOVES)), { maxLength: 8 }), (calls) => {
        const store = fresh();
        try {
          for (const name of calls) {
            const m = MOVES[name]!;
            const before = store.get(1n)!;
            if (m.from.includes(before.state)) {
              m.run(store, 1n);
              expect(store.get(1n)!.state).to.equal(m.to);
            } else {
              expect(() => m.run(store, 1n), `${name} from ${before.state}`).to.throw(JobTransitionError);
              expect(store.get(1n), "a refused move changes nothing").to.deep.equal(before);
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 80 },
    );
  });

  it("keeps an OPML claim with its job (claimed), and every game and keyed transaction across a reopen", function () {
    const path = join(dir, "opml.db");
    const store = new JobStore(path);
    store.addScanned([{ record: record(5n), state: "pending" }], 1);
    store.markProved(5n, [1n], "0x01");
    store.markSigned(5n, `0x${"ab".repeat(32)}`, "0x02");
    store.markClaimed(5n, CLAIM);
    expect(store.games.addScanned([{ gameId: 9n, claimKey: CLAIM.claimKey, requestId: 5n, claimer: "a", challenger: "b" }], 42)).to.equal(
      1,
    );
    expect(store.games.add({ gameId: 9n, claimKey: CLAIM.claimKey, requestId: 5n, claimer: "a", challenger: "b" }), "once").to.equal(false);
    store.txs.put("move:9:0", `0x${"ef".repeat(32)}`, "0x03", 7);
    store.close();
    const again = new JobStore(path);
    expect(again.get(5n)!.claim).to.deep.equal(CLAIM);
    expect(again.counts().claimed).to.equal(1);
    expect(again.games.scannedBlock()).to.equal(42);
    expect(again.games.open().map((g) => g.gameId)).to.deep.equal([9n]);
    expect(again.txs.unconfirmed().map((t) => [t.key, t.nonce])).to.deep.equal([["move:9:0", 7]]);
    again.markRejected(5n, "lost game 9");
    expect(() => again.markSettled(5n)).to.throw(JobTransitionError);
    again.close();
  });

  it("refuses to mark a pending job done, and names the allowed moves", function () {
    const store = fresh();
    expect(() => store.markDone(1n)).to.throw(/job 1 is pending; it cannot become done \(only a job that is signed can\)/);
    store.markProved(3n, [1n], "0x01");
    store.markSigned(3n, `0x${"cd".repeat(32)}`, "0x03");
    expect(() => store.markProved(3n, [2n], "0x02"), "a late prover cannot overwrite a signed job").to.throw(JobTransitionError);
    store.markFailed(2n, "x");
    expect(() => store.recordAttempt(2n, "again", 0)).to.throw(/final job takes no more attempts/);
    store.close();
  });

  it("leases a job to one worker until it is released or its lease expires", function () {
    const store = fresh();
    expect(
      store.lease("host:1:a", ["pending"], 1_000, 500, 5, (j) => j.requestId !== 1n).map((j) => j.requestId),
      "what it accepts",
    ).to.deep.equal([2n, 3n]);
    store.releaseAll("host:1:a");
    const a = store.lease("host:1:a", ["pending"], 1_000, 500, 2).map((j) => j.requestId);
    expect(a).to.deep.equal([1n, 2n]);
    expect(
      store.lease("host:2:b", ["pending"], 1_100, 500, 10).map((j) => j.requestId),
      "b gets only the free job",
    ).to.deep.equal([3n]);
    expect(
      store.lease("host:2:b", ["pending"], 1_200, 500, 10).map((j) => j.requestId),
      "its own lease is renewable",
    ).to.deep.equal([3n]);
    store.release(1n, "host:1:a");
    expect(store.lease("host:2:b", ["pending"], 1_300, 500, 10).map((j) => j.requestId)).to.deep.equal([1n, 3n]);
    expect(
      store.lease("host:2:b", ["pending"], 1_600, 500, 10).map((j) => j.requestId),
      "a's lease on 2 expired at 1500",
    ).to.deep.equal([1n, 2n, 3n]);
    store.releaseAll("host:2:b");
    expect(store.leaseOwners()).to.deep.equal([]);
    store.close();
  });

  it("gives the submitter role to one worker at a time", function () {
    const store = fresh();
    expect(store.leaseRole("submitter", "w1", 0, 100)).to.equal(true);
    expect(store.leaseRole("submitter", "w2", 50, 100)).to.equal(false);
    expect(store.leaseRole("submitter", "w1", 90, 100)).to.equal(true);
    expect(store.leaseRole("submitter", "w2", 200, 100), "after w1's lease lapsed").to.equal(true);
    expect(store.leaseOwners()).to.deep.equal(["w2"]);
    store.close();
  });

  it("opens a database written before leases existed", function () {
    const path = join(dir, "old.db");
    const old = new JobStore(path);
    old.close();
    // What the first release created: the jobs table without lease columns.
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite") as typeof import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec("ALTER TABLE jobs DROP COLUMN lease_owner; ALTER TABLE jobs DROP COLUMN lease_until;");
    db.close();
    const store = new JobStore(path);
    store.addScanned([{ record: record(7n), state: "pending" }], 1);
    expect(store.lease("w", ["pending"], 0, 10, 1).map((j) => j.requestId)).to.deep.equal([7n]);
    store.close();
  });
});
