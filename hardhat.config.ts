import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// The wasm build of solc from npm: Hardhat would otherwise download a compiler,
// which fails offline. Keep the `solc` package version equal to `version`.
const SOLC_VERSION = "0.8.28";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  networks: {
    // `vinfer deploy|request|serve --rpc <url>` connect through this network, overriding url and
    // accounts; VINFER_RPC_URL serves `npx hardhat ignition deploy --network vinfer` directly.
    vinfer: { type: "http", chainType: "l1", url: process.env.VINFER_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  test: { mocha: { timeout: 600_000 } },
});
