/**
 * The watcher role: reads the router's InferenceRequested events block range
 * by block range, decides for each request whether this operator serves it,
 * and adds it to the job queue together with the block scanned up to (one
 * atomic write, so a crash never loses or doubles a request).
 */
import type { Provider } from "ethers";

import type { InferenceRouter } from "../protocol/contracts.js";
import { requestsBetween } from "../protocol/client.js";
import type { InferenceRequest } from "../protocol/request.js";
import { proofTypeName } from "../proofs/registry.js";
import type { JobQueue, ScannedRequest } from "./jobQueue.js";
import type { Logger } from "./log.js";

/** Blocks per eth_getLogs query. */
const SCAN_CHUNK = 5_000;

export interface WatcherOptions {
  readonly provider: Provider;
  readonly router: InferenceRouter;
  readonly queue: JobQueue;
  /** Why this operator does not serve a request, or undefined if it does. */
  readonly refusal: (request: InferenceRequest) => string | undefined;
  /** First block to scan when the queue is new. */
  readonly fromBlock: number;
  /** Blocks deep a request must be to be added (1: as soon as it is in a block). */
  readonly confirmations: number;
  readonly log: Logger;
}

export class Watcher {
  constructor(private readonly o: WatcherOptions) {}

  /**
   * Adds every request up to the latest block `confirmations` deep to the queue: a request in a
   * shallower block is left until it is that deep, so a reorg shallower than that never gives the
   * node a request that then disappears.
   */
  async scan(): Promise<void> {
    const { provider, queue, log } = this.o;
    const latest = (await provider.getBlockNumber()) - (this.o.confirmations - 1);
    let from = Math.max(queue.scannedBlock() + 1, this.o.fromBlock);
    while (from <= latest) {
      const to = Math.min(from + SCAN_CHUNK - 1, latest);
      const records = await requestsBetween(this.o.router, from, to);
      const classified: ScannedRequest[] = records.map((record) => {
        const reason = this.o.refusal(record.request);
        return reason ? { record, state: "skipped", reason } : { record, state: "pending" };
      });
      const added = queue.addScanned(classified, to);
      for (const c of classified)
        log.log(c.state === "pending" ? "info" : "debug", c.state === "pending" ? "job.new" : "job.skipped", {
          requestId: c.record.requestId,
          modelId: c.record.request.modelId,
          proofType: proofTypeName(c.record.request.proofType),
          reason: c.reason,
        });
      if (added > 0 || records.length > 0) log.log("debug", "scan", { from, to, requests: records.length, added });
      from = to + 1;
    }
  }
}

/** Why a request can no longer be fulfilled (fulfilled, cancelled, expired), or undefined while it is open. */
export async function closedReason(
  router: InferenceRouter,
  provider: Provider,
  job: { requestId: bigint; request: InferenceRequest },
): Promise<string | undefined> {
  const [pending, block] = await Promise.all([router.isPending(job.requestId, job.request), provider.getBlock("latest")]);
  if (!pending) return "no longer pending (fulfilled or cancelled)";
  if (block && BigInt(block.timestamp) > job.request.deadline) return "expired";
  return undefined;
}
