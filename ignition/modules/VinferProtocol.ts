/**
 * The protocol's core contracts: registry, router and one adapter per
 * implemented proof type. Model-specific verifiers are deployed per model by
 * the SDK (sdk/protocol/registerModel.ts), since they are generated per circuit.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** ProofType values of contracts/interfaces/InferenceTypes.sol. */
const GROTH16 = 0;
const EZKL = 1;

export default buildModule("VinferProtocol", (m) => {
  const owner = m.getAccount(0);
  const requestTimeout = m.getParameter("requestTimeoutSeconds", 3600);
  const maxCallbackGasLimit = m.getParameter("maxCallbackGasLimit", 2_000_000);

  const registry = m.contract("ModelRegistry");
  const router = m.contract("InferenceRouter", [registry, requestTimeout, maxCallbackGasLimit, owner]);
  const groth16Adapter = m.contract("Groth16Adapter");
  const ezklAdapter = m.contract("EzklAdapter");
  m.call(router, "registerAdapter", [GROTH16, groth16Adapter], { id: "registerGroth16Adapter" });
  m.call(router, "registerAdapter", [EZKL, ezklAdapter], { id: "registerEzklAdapter" });

  return { registry, router, groth16Adapter, ezklAdapter };
});
