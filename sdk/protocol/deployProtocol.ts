/**
 * Deploys the core contracts with the Ignition module (ignition/modules/
 * VinferProtocol.ts) on a Hardhat network connection: an in-process network
 * for the demo and tests, or any RPC URL through `vinfer deploy`. Every
 * registered proof system's adapter is deployed and registered on the router.
 */
import type { NetworkConnection } from "hardhat/types/network";

import { adapterFutureId, vinferProtocolModule } from "../../ignition/modules/VinferProtocol.js";
import { proofSystems } from "../proofs/registry.js";
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
  const systems = proofSystems();
  const d = (await connection.ignition.deploy(vinferProtocolModule(systems), {
    parameters: { VinferProtocol: parameters },
    ...(o.deploymentId ? { deploymentId: o.deploymentId } : {}),
    displayUi: o.displayUi ?? false,
  })) as Record<string, { getAddress(): Promise<string> }>;
  const adapters: Record<string, string> = {};
  for (const s of systems) adapters[s.name] = await d[adapterFutureId(s)]!.getAddress();
  return { registry: await d.registry!.getAddress(), router: await d.router!.getAddress(), adapters };
}
