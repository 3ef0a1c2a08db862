/**
 * Compiles generated verifier contracts with the npm solc (wasm, the version
 * Hardhat uses), so the SDK and CLI can deploy them to any chain without Hardhat.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { VinferError } from "../errors.js";
import { PACKAGE_ROOT } from "../paths.js";

export interface CompiledContract {
  readonly abi: unknown[];
  readonly bytecode: string;
  readonly deployedBytecode: string;
}

/**
 * Imports resolve against the repository root (e.g. "contracts/interfaces/…")
 * and then node_modules ("@openzeppelin/contracts/…"), as Hardhat resolves them.
 */
function findImport(path: string): { contents: string } | { error: string } {
  const inRepo = join(PACKAGE_ROOT, path);
  if (existsSync(inRepo)) return { contents: readFileSync(inRepo, "utf8") };
  try {
    return { contents: readFileSync(createRequire(join(PACKAGE_ROOT, "package.json")).resolve(path), "utf8") };
  } catch {
    return { error: `import ${path} not found in the repository or node_modules` };
  }
}

interface Solc {
  compile(input: string, callbacks: { import: typeof findImport }): string;
}
let solc: Solc | undefined;
/** solc's 8 MB wasm build takes seconds to load: loaded on the first compile, not by every command that imports this. */
function loadSolc(): Solc {
  solc ??= createRequire(import.meta.url)("solc") as Solc;
  return solc;
}

/** Compiles `source` (source unit name `fileName`, relative to the repository root) and returns `contractName`. */
export function compileSolidity(source: string, fileName: string, contractName: string): CompiledContract {
  const input = {
    language: "Solidity",
    sources: { [fileName]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(loadSolc().compile(JSON.stringify(input), { import: findImport })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<
      string,
      Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
    >;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0)
    throw new VinferError("SOLC", `${fileName} does not compile:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const c = output.contracts?.[fileName]?.[contractName];
  if (!c) throw new VinferError("SOLC", `${fileName} has no contract ${contractName}`);
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${c.evm.deployedBytecode.object}` };
}
