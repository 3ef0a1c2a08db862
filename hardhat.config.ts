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
  // Solidity tests (`hardhat test solidity`): every .sol file under test/solidity. The fuzz seed is
  // pinned (Hardhat's default) and bytecode constants stay out of the fuzz dictionary (they include
  // the metadata hash, which any comment changes), so that fuzz inputs, and with them the gas in
  // .gas-snapshot, are the same on every run; see docs/testing.md.
  paths: { tests: { solidity: "test/solidity" } },
  test: {
    mocha: { timeout: 600_000 },
    solidity: { fuzz: { runs: 256, includePushBytes: false, seed: "0x7727ea51af0441c20da14dcd68a15dac8c9ebd589c5be8fa8c87c1d3720450bc" } },
  },
});
