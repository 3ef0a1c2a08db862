/**
 * An operator's view of the in-process chain: the chain served over HTTP
 * JSON-RPC (as a real node would be), the dev account keys, and a record of
 * every fulfil transaction broadcast, to count submissions.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Interface, type JsonRpcProvider, Transaction, Wallet } from "ethers";

import { devAccountKey } from "../../sdk/chain/devAccounts.js";
import { rpcProvider } from "../../sdk/chain/rpcProvider.js";
import { type Eip1193Provider, type RunningRpcServer, serveJsonRpc } from "../../scripts/devchain/jsonRpcServer.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import type { Job } from "../../sdk/operator/jobQueue.js";
import { jsonLogger } from "../../sdk/operator/log.js";
import { OperatorNode, type OperatorOptions, type Prover } from "../../sdk/operator/operatorNode.js";
import { protocolFixture } from "./protocol.js";

export interface ChainEndpoint {
  readonly server: RunningRpcServer;
  readonly provider: JsonRpcProvider;
  /** Hash -> request id of every fulfil transaction broadcast (a re-sent transaction counts once). */
  readonly fulfilments: Map<string, bigint>;
  wallet(index: number): Wallet;
  close(): Promise<void>;
}

export async function serveChain(chain: Eip1193Provider, router: Interface): Promise<ChainEndpoint> {
  const fulfilments = new Map<string, bigint>();
  const server = await serveJsonRpc(chain, 0, (call) => {
    if (call.method !== "eth_sendRawTransaction") return;
    const tx = Transaction.from(String(call.params![0]));
    const parsed = router.parseTransaction({ data: tx.data });
    if (parsed?.name === "fulfill") fulfilments.set(tx.hash!, parsed.args[0] as bigint);
  });
  const provider = rpcProvider(server.url, 100);
  return {
    server,
    provider,
    fulfilments,
    wallet: (index) => new Wallet(devAccountKey(index), provider),
    close: async () => {
      provider.destroy();
      await server.close();
    },
  };
}

/** The protocol fixture, its chain served over JSON-RPC, and a scratch folder; `close()` in an `after` hook. */
export async function operatorFixture(name: string) {
  const f = await protocolFixture();
  const chain = await serveChain(f.connection.provider, f.router.interface);
  const dir = mkdtempSync(join(tmpdir(), `vinfer-${name}-`));
  return { f, chain, dir };
}

export type OperatorFixture = Awaited<ReturnType<typeof operatorFixture>>;

/**
 * An operator node (dev account 1) on the fixture's chain, serving the fixture's model with
 * `provers`, polling fast; VINFER_TEST_LOGS=1 prints its log.
 */
export function operatorNode(
  fixture: OperatorFixture,
  store: JobStore,
  provers: readonly Prover[],
  extra: Partial<OperatorOptions> = {},
): OperatorNode {
  const { f, chain, dir } = fixture;
  return new OperatorNode({
    provider: chain.provider,
    wallet: chain.wallet(1),
    router: f.addresses.router,
    registry: f.addresses.registry,
    store,
    provers: new Map([[f.model.modelId.toLowerCase(), provers]]),
    workDir: join(dir, "work"),
    pollIntervalMs: 50,
    backoffMs: 50,
    ...(process.env.VINFER_TEST_LOGS ? { logger: jsonLogger((l) => process.stderr.write(l)) } : {}),
    ...extra,
  });
}

/** Runs an operator node with `provers` until `request` is finished; its job. */
export async function serveOnce(
  fixture: OperatorFixture,
  provers: readonly Prover[],
  request: { requestId: bigint; blockNumber: number },
  dbName: string,
): Promise<Job> {
  const store = new JobStore(join(fixture.dir, dbName));
  const node = operatorNode(fixture, store, provers, { fromBlock: request.blockNumber });
  await node.start();
  try {
    const [job] = await node.waitFor([request.requestId], 60_000);
    return job!;
  } finally {
    await node.stop();
    store.close();
  }
}
