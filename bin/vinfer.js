#!/usr/bin/env node
// Entry point of the `vinfer` command. An installed package runs its compiled JavaScript
// (dist/, built by `npm pack`); a source checkout runs the TypeScript through tsx.
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  if (!existsSync(new URL("../types/ethers-contracts/index.ts", import.meta.url))) {
    console.error(
      "error: the contracts' typed bindings are not built in this checkout: run `npx hardhat build` (npm test and npm run demo do it)",
    );
    process.exit(1);
  }
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/cli/main.js"));
}
// exit explicitly: snarkjs leaves worker threads running after its work is done
process.exit(await main(process.argv.slice(2)));
