/** The fleet's Redis: one reachability check with a clear error, before any queue is opened. */
import { Redis } from "ioredis";

import { VinferError } from "../../errors.js";
import { redisConnectionOf } from "./proofJobs.js";

/** Throws QUEUE_UNREACHABLE naming the URL and the cause unless Redis answers PING within `timeoutMs`. */
export async function checkQueueReachable(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new Redis({
    ...redisConnectionOf(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on("error", () => {}); // reported below, once
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new VinferError(
      "QUEUE_UNREACHABLE",
      `cannot reach the job queue at ${url}: ${(err as Error).message} (is redis-server running there? see docs/operator-fleet.md)`,
      { cause: err },
    );
  } finally {
    client.disconnect();
  }
}
