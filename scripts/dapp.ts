/**
 * The browser dApp (`npm run dapp`): a local chain, the protocol, digits-mlp
 * with its Groth16 verifier, a DigitBounty consumer, the operator node and
 * the page (examples/dapp/, Vite), together until Ctrl-C. Open the printed
 * URL, draw a digit, press "Prove it". Ports: VINFER_DAPP_RPC_PORT (8545)
 * and VINFER_DAPP_PORT (5173).
 */
import { consoleProgress } from "../sdk/zk/progress.js";
import { releaseSnarkjsWorkers } from "../sdk/zk/groth16/workers.js";
import { startDappStack } from "./dappStack.js";

const port = (name: string, fallback: number) => {
  const v = process.env[name];
  return v === undefined || v === "" ? fallback : Number(v);
};

const stack = await startDappStack({
  rpcPort: port("VINFER_DAPP_RPC_PORT", 8545),
  pagePort: port("VINFER_DAPP_PORT", 5173),
  log: (line) => console.log(line),
  progress: consoleProgress(process.stdout),
});
console.log(`\nvinfer dApp ready: open ${stack.pageUrl} (chain at ${stack.rpcUrl}); Ctrl-C stops everything`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping: page server, operator node, chain");
  await stack.close();
  await releaseSnarkjsWorkers();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
// keep running until a signal
await new Promise<never>(() => {});
