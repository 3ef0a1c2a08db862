/**
 * The browser dApp's stack (examples/dapp/), started by `npm run dapp`
 * (scripts/dapp.ts) and by its end-to-end test (test/browser/dapp.test.ts):
 *   1. a Hardhat chain (in-process EDR, served over JSON-RPC, by default at
 *      127.0.0.1:8545, as `npx hardhat node` serves one);
 *   2. the protocol deployed with Ignition (registry, router, proof adapters);
 *   3. digits-mlp registered with its Groth16 verifier (circuit and INSECURE
 *      dev keys built once into the cache directory, build/ in a checkout);
 *   4. a DigitBounty consumer that pays for each image read as `targetDigit`;
 *   5. the operator node (dev account #1, as `vinfer serve`), proving with Groth16;
 *   6. Vite's dev server for the page, which also serves /vinfer/config.json
 *      (addresses, model id), /vinfer/verification_key.json (the Groth16
 *      verifying key), /vinfer/model.onnx, and proxies /rpc to the chain.
 */
import { readFileSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";

import { Wallet, parseEther } from "ethers";
import { network } from "hardhat";
import { type Plugin, type ViteDevServer, createServer } from "vite";

import { devAccountKey } from "../sdk/chain/devAccounts.js";
import { rpcProvider } from "../sdk/chain/rpcProvider.js";
import { Model } from "../sdk/model.js";
import { JobStore } from "../sdk/operator/jobStore.js";
import type { Logger } from "../sdk/operator/log.js";
import { OperatorNode } from "../sdk/operator/operatorNode.js";
import { PACKAGE_ROOT, cacheDir } from "../sdk/paths.js";
import { prepareModel, verifiersOf } from "../sdk/proofs/prepareModel.js";
import { type ProtocolAddresses, connectProtocol } from "../sdk/protocol/contracts.js";
import { deployProtocol } from "../sdk/protocol/deployProtocol.js";
import { ProofType } from "../sdk/protocol/proofType.js";
import { registerModel } from "../sdk/protocol/registerModel.js";
import { type Progress, silentProgress } from "../sdk/zk/progress.js";
import { Groth16Prover } from "../sdk/zk/groth16/proofSystem.js";
import { DigitBounty__factory } from "../types/ethers-contracts/index.js";
import type { DappConfig } from "../examples/dapp/src/config.js";
import { serveJsonRpc } from "./devchain/jsonRpcServer.js";

export const DAPP_ROOT = join(PACKAGE_ROOT, "examples", "dapp");
export const DAPP_MODEL = "digits-mlp";

/** What the page reads from /vinfer/config.json. */
export type { DappConfig };

export interface DappStackOptions {
  /** The chain's JSON-RPC port (default 8545; 0: any free port). */
  readonly rpcPort?: number;
  /** The page's port (default 5173; 0: any free port). */
  readonly pagePort?: number;
  /** The digit the bounty pays for (default 7). */
  readonly targetDigit?: number;
  /** Where progress lines go (default: nowhere). */
  readonly log?: (line: string) => void;
  /** Circuit compilation progress (default: silent). */
  readonly progress?: Progress;
}

export interface DappStack {
  readonly pageUrl: string;
  readonly rpcUrl: string;
  readonly addresses: ProtocolAddresses;
  readonly config: DappConfig;
  readonly model: Model;
  /** Stops the page server, the operator node and the chain. */
  close(): Promise<void>;
}

const OPERATOR_EVENTS = new Set(["job.proving", "job.proved", "job.done", "job.retry", "job.failed"]);

/** Starts chain, protocol, operator and page; see the module comment. */
export async function startDappStack(o: DappStackOptions = {}): Promise<DappStack> {
  const log = o.log ?? (() => {});
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  };
  try {
    // 1. the chain
    const connection = await network.create();
    cleanup.push(() => connection.close());
    const rpc = await serveJsonRpc(connection.provider, o.rpcPort ?? 8545);
    cleanup.push(() => rpc.close());
    log(`chain: Hardhat (EDR) JSON-RPC at ${rpc.url}`);
    const provider = rpcProvider(rpc.url, 100);
    const chainId = (await provider.getNetwork()).chainId;
    const deployer = new Wallet(devAccountKey(0), provider);

    // 2. the protocol
    const addresses = await deployProtocol(connection.provider);
    log(`protocol: router ${addresses.router}, registry ${addresses.registry}`);
    const { registry } = connectProtocol(addresses, deployer);

    // 3. the model and its Groth16 verifier
    const model = Model.load(DAPP_MODEL);
    log(`model: ${DAPP_MODEL} ${model.modelId}; Groth16 circuit and keys (built once into ${cacheDir()})`);
    const prepared = await prepareModel(model, [ProofType.Groth16], o.progress ?? silentProgress);
    const prover = prepared.provers[0];
    if (!(prover instanceof Groth16Prover)) throw new Error("expected the Groth16 prover");
    const verificationKey = JSON.stringify(prover.circuit.verificationKey());
    await registerModel(registry, deployer, model, verifiersOf(prepared), `zoo:${DAPP_MODEL}`);

    // 4. the consumer
    const targetDigit = o.targetDigit ?? 7;
    const bounty = await (
      await new DigitBounty__factory(deployer).deploy(addresses.router, model.modelId, ProofType.Groth16, targetDigit, parseEther("0.01"), {
        value: parseEther("1"),
      })
    ).waitForDeployment();
    const bountyAddress = await bounty.getAddress();
    log(`consumer: DigitBounty ${bountyAddress} (pays 0.01 ETH per image read as a ${targetDigit})`);

    // 5. the operator node
    const dir = join(cacheDir(), "dapp");
    const dbPath = join(dir, "operator.db");
    for (const suffix of ["", "-wal", "-shm"]) rmSync(dbPath + suffix, { force: true });
    const store = new JobStore(dbPath);
    const logger: Logger = {
      log(level, event, fields = {}) {
        if (OPERATOR_EVENTS.has(event) || level === "error")
          log(
            `operator: ${event} ${Object.entries(fields)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(" ")}`,
          );
      },
    };
    const node = new OperatorNode({
      provider,
      wallet: new Wallet(devAccountKey(1), provider),
      router: addresses.router,
      registry: addresses.registry,
      store,
      provers: new Map([[model.modelId.toLowerCase(), prepared.provers]]),
      workDir: join(dir, "work"),
      pollIntervalMs: 200,
      logger,
    });
    await node.start();
    cleanup.push(async () => {
      await node.stop();
      store.close();
    });
    log("operator: serving digits-mlp with Groth16 (dev account #1)");

    // 6. the page
    const config: DappConfig = {
      chainId: chainId.toString(),
      router: addresses.router,
      registry: addresses.registry,
      bounty: bountyAddress,
      modelId: model.modelId,
      model: DAPP_MODEL,
      proofType: ProofType.Groth16,
      targetDigit,
      userAccount: 2,
      fee: parseEther("0.001").toString(),
      inputRange: declaredRange(model),
    };
    const onnx = readFileSync(model.path);
    const vite = await createServer({
      configFile: join(DAPP_ROOT, "vite.config.ts"),
      root: DAPP_ROOT,
      logLevel: "warn",
      clearScreen: false,
      server: {
        host: "127.0.0.1",
        port: o.pagePort ?? 5173,
        strictPort: o.pagePort !== 0,
        proxy: { "/rpc": { target: rpc.url, rewrite: () => "/" } },
      },
      plugins: [servedFiles({ "/vinfer/config.json": JSON.stringify(config), "/vinfer/verification_key.json": verificationKey }, onnx)],
    });
    await vite.listen();
    cleanup.push(() => vite.close());
    const pageUrl = pageUrlOf(vite);
    log(`page: ${pageUrl}`);
    return { pageUrl, rpcUrl: rpc.url, addresses, config, model, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function pageUrlOf(vite: ViteDevServer): string {
  const url = vite.resolvedUrls?.local[0];
  if (!url) throw new Error("Vite's dev server reports no URL");
  return url;
}

/** A Vite plugin answering the page's /vinfer/* requests. */
function servedFiles(json: Record<string, string>, onnx: Uint8Array): Plugin {
  const send = (res: ServerResponse, type: string, body: string | Uint8Array) => {
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  return {
    name: "vinfer-dapp-files",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = req.url?.split("?")[0] ?? "";
        if (path in json) send(res, "application/json", json[path]!);
        else if (path === "/vinfer/model.onnx") send(res, "application/octet-stream", onnx);
        else next();
      });
    },
  };
}

/** The one float range a single-input model declares (the page passes it to Model.fromOnnx), or null. */
function declaredRange(model: Model): readonly [number, number] | null {
  const range = model.quantized.inputRanges?.get(model.graph.inputs[0]!.name);
  return range ? [range.lo, range.hi] : null;
}
