/**
 * The protocol's core contracts: registry, router, and the adapter of every
 * registered proof system (sdk/proofs/registry.ts), each registered on the
 * router under its proof type. Model-specific verifiers are deployed per
 * model by the SDK (sdk/protocol/registerModel.ts), since they are generated
 * per circuit.
 */
import { buildModule } from "@nomicfoundation/ignition-core";
import { ZeroAddress } from "ethers";

import type { ContractArtifact, ProofSystem } from "../../sdk/proofs/proofSystem.js";
import { proofSystems } from "../../sdk/proofs/registry.js";

/** An adapter artefact in the shape Ignition deploys from (no libraries to link). */
function ignitionArtifact(a: ContractArtifact) {
  return {
    _format: "hh3-artifact-1",
    contractName: a.contractName,
    sourceName: `${a.contractName}.sol`,
    abi: a.abi as never[],
    bytecode: a.bytecode,
    deployedBytecode: "0x",
    linkReferences: {},
    deployedLinkReferences: {},
  };
}

/** Ignition's id of a proof system's adapter (ids are identifiers: the proof type, not the name). */
export function adapterFutureId(s: ProofSystem): string {
  return `adapter_${s.proofType}`;
}

/** The module for a given set of proof systems (the registry's, unless a test adds its own). */
export function vinferProtocolModule(systems: readonly ProofSystem[]) {
  return buildModule("VinferProtocol", (m) => {
    const owner = m.getAccount(0);
    const requestTimeout = m.getParameter("requestTimeoutSeconds", 3600);
    const maxCallbackGasLimit = m.getParameter("maxCallbackGasLimit", 2_000_000);

    const registry = m.contract("ModelRegistry");
    const router = m.contract("InferenceRouter", [registry, requestTimeout, maxCallbackGasLimit, owner]);
    const adapters = systems.map((s) => {
      const artifact = s.adapter();
      const dependencies: ReturnType<typeof m.contract>[] = [];
      const specs = s.adapterDependencies?.() ?? [];
      for (const [i, d] of specs.entries()) {
        const args = (d.constructorArgs ?? []).map((a) =>
          typeof a === "number" ? dependencies[a]! : a.map((j) => (j === null ? ZeroAddress : dependencies[j]!)),
        );
        dependencies.push(m.contract(d.contractName, ignitionArtifact(d), args, { id: `${adapterFutureId(s)}_dependency_${i}` }));
      }
      const adapterArgs = dependencies.filter((_, i) => specs[i]!.adapterArgument !== false);
      const args = s.adapterTakesRouter ? [...adapterArgs, router] : adapterArgs;
      const adapter = m.contract(artifact.contractName, ignitionArtifact(artifact), args, { id: adapterFutureId(s) });
      m.call(router, "registerAdapter", [s.proofType, adapter], { id: `register_${adapterFutureId(s)}` });
      return [adapterFutureId(s), adapter] as const;
    });
    return { registry, router, ...Object.fromEntries(adapters) };
  });
}

export default vinferProtocolModule(proofSystems());
