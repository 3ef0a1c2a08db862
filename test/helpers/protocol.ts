/**
 * A deployed protocol on a fresh in-process chain, with digits-mlp registered
 * for Groth16, and the helpers the router's specification tests share.
 */
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { Model } from "../../sdk/model.js";
import { requestInference } from "../../sdk/protocol/client.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { ProofType, type ProofTypeId } from "../../sdk/protocol/proofType.js";
import { deployProtocol } from "../../sdk/protocol/deployProtocol.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { Groth16Prover } from "../../sdk/zk/groth16/proofSystem.js";
import { join } from "node:path";

export const REQUEST_TIMEOUT_SECONDS = 3600;

/**
 * Deploys on `connection` (a fresh in-process chain when none is given). Tests
 * that want a clean chain each pass their connection's and wrap this in its
 * `networkHelpers.loadFixture`.
 */
export async function protocolFixture(connection?: NetworkConnection) {
  connection ??= await network.create();
  const { ethers } = connection;
  const [owner, operator, other, user] = await ethers.getSigners();
  const addresses = await deployProtocol(connection.provider, { requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS });
  const { router, registry } = connectProtocol(addresses, owner!);
  const model = Model.load("digits-mlp");
  const circuit = await Groth16Circuit.compile(model);
  const prover = new Groth16Prover(model, circuit);
  const registered = await registerModel(registry, owner!, model, [prover.verifier()]);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  /** The quantized input of dataset sample `i` (what a requester sends). */
  const inputOf = (i: number) => model.quantizedInput([samples[i]!]);
  /** The model's integer output on `input` (what a proof must carry). */
  const outputOf = (input: readonly bigint[]) => Array.from(model.runQuantized(input)[0]!.data, (v) => BigInt(v));
  /** The user (an EOA) requests digits-mlp on dataset sample `i` through the SDK. */
  const userRequest = (i: number, o: { proofType?: ProofTypeId; fee?: bigint } = {}) =>
    requestInference(router.connect(user!), {
      modelId: model.modelId,
      input: inputOf(i),
      proofType: o.proofType ?? ProofType.Groth16,
      fee: o.fee ?? 0n,
    });
  /** A Groth16 proof for `rec`, bound to `fulfiller` (override any binding field to forge one). */
  const prove = (
    rec: RequestRecord,
    fulfiller: string,
    o: { input?: readonly bigint[]; chainId?: bigint; router?: string; requestId?: bigint; modelId?: string } = {},
  ) =>
    prover.prove({
      chainId: o.chainId ?? chainId,
      router: o.router ?? addresses.router,
      requestId: o.requestId ?? rec.requestId,
      modelId: o.modelId ?? rec.request.modelId,
      fulfiller,
      input: o.input ?? rec.input,
      workDir: "",
    });
  return {
    connection,
    ethers,
    owner: owner!,
    operator: operator!,
    other: other!,
    user: user!,
    addresses,
    router,
    registry,
    model,
    circuit,
    registered,
    chainId,
    inputOf,
    outputOf,
    userRequest,
    prove,
  };
}
