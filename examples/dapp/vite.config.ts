/**
 * Vite config of the dApp page. The page imports the SDK as `vinfer` (its
 * browser-safe root entry, sdk/index.ts) and the contracts' typed factories
 * as `vinfer/contracts`, straight from this repository's sources. Started by
 * `npm run dapp` (scripts/dapp.ts), which adds the /vinfer/* files and the
 * /rpc proxy to the chain.
 */
import { fileURLToPath } from "node:url";

import { defineConfig } from "vite";

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: {
    alias: [
      { find: /^vinfer\/contracts$/, replacement: repo("types/ethers-contracts/index.ts") },
      { find: /^vinfer$/, replacement: repo("sdk/index.ts") },
    ],
  },
  server: { fs: { allow: [repo("")] } },
  // the SDK's dependencies the page reaches, pre-bundled at start-up (a dependency found later
  // would make Vite reload the page)
  optimizeDeps: {
    entries: ["index.html"],
    include: [
      "ethers",
      "snarkjs",
      "protobufjs/light.js",
      "canonicalize",
      "hash-wasm",
      "@noble/curves/abstract/modular.js",
      "@noble/curves/abstract/poseidon.js",
      "@noble/hashes/utils.js",
    ],
  },
  build: { target: "es2022" },
});
