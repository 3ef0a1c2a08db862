/**
 * Deploys the core contracts with the Ignition module (ignition/modules/
 * VinferProtocol.ts) on a Hardhat network connection: an in-process network
 * for the demo and tests, or any RPC URL through `vinfer deploy`.
 */
import type { NetworkConnection } from "hardhat/types/network";

import VinferProtocol from "../../ignition/modules/VinferProtocol.js";
import type { ProtocolAddresses } from "./contracts.js";

export interface DeployProtocolOptions {
  readonly requestTimeoutSeconds?: number;
  readonly maxCallbackGasLimit?: number;
  /** Ignition's deployment id (its journal folder); resumable on real chains. */
  readonly deploymentId?: string;
  readonly displayUi?: boolean;
}

export async function deployProtocol(connection: NetworkConnection, o: DeployProtocolOptions = {}): Promise<ProtocolAddresses> {
  const parameters: Record<string, number> = {};
  if (o.requestTimeoutSeconds !== undefined) parameters.requestTimeoutSeconds = o.requestTimeoutSeconds;
  if (o.maxCallbackGasLimit !== undefined) parameters.maxCallbackGasLimit = o.maxCallbackGasLimit;
  const d = await connection.ignition.deploy(VinferProtocol, {
    parameters: { VinferProtocol: parameters },
    ...(o.deploymentId ? { deploymentId: o.deploymentId } : {}),
    displayUi: o.displayUi ?? false,
  });
  return {
    registry: await d.registry.getAddress(),
    router: await d.router.getAddress(),
    groth16Adapter: await d.groth16Adapter.getAddress(),
    ezklAdapter: await d.ezklAdapter.getAddress(),
  };
}
