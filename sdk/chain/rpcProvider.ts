/** The one way the SDK, CLI and demo open a JSON-RPC connection. */
import { JsonRpcProvider } from "ethers";

/**
 * A provider for `url` that polls (some RPCs keep no filters), trusts the
 * chain id it first sees (no network
 * re-detection per call) and caches nothing: ethers' default 250 ms response
 * cache answered a stale pending nonce right after a mined transaction.
 */
export function rpcProvider(url: string, pollingIntervalMs = 250): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, polling: true, cacheTimeout: -1, pollingInterval: pollingIntervalMs });
}
