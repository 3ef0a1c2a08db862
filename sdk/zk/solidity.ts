/**
 * Compiles generated verifier contracts with the npm solc (wasm, the version
 * Hardhat uses), so the SDK and CLI can deploy them to any chain without Hardhat.
 */
import solc from "solc";

import { VinferError } from "../errors.js";

export interface CompiledContract {
  readonly abi: unknown[];
  readonly bytecode: string;
  readonly deployedBytecode: string;
}

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
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
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
