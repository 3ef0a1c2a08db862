#!/usr/bin/env node
// Entry point of the `vinfer` command: the CLI is TypeScript, loaded through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
// exit explicitly: snarkjs leaves worker threads running after its work is done
process.exit(await main(process.argv.slice(2)));
