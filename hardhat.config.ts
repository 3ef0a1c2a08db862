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
  test: { mocha: { timeout: 600_000 } },
});
