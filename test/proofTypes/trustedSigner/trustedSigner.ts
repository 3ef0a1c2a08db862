/**
 * A test-only proof type, "trusted signer": the evidence is one ECDSA
 * signature, by the key the model's owner registered as the model's verifier,
 * over the request binding and the input and output hashes. It shows what a
 * new proof type takes: this folder (the adapter contract and this file) plus
 * one registerProofSystem call. Nothing outside the folder changes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { AbiCoder, type BaseWallet, getBytes, id, keccak256 } from "ethers";

import { packInt16 } from "../../../sdk/commit/int16Tensor.js";

import type { Model } from "../../../sdk/model.js";
import type { ContractArtifact, ModelProver, ProofSystem, ProveContext, ProvenResult } from "../../../sdk/proofs/proofSystem.js";
import { PACKAGE_ROOT } from "../../../sdk/paths.js";
import { compileSolidity } from "../../../sdk/zk/solidity.js";

/** An id no built-in proof type uses. */
export const TRUSTED_SIGNER = 200;
const DOMAIN = id("vinfer.test.trusted-signer.v1");
const ADAPTER_SOURCE = "test/proofTypes/trustedSigner/TrustedSignerAdapter.sol";

/** What the signer signs (EIP-191): the adapter recomputes it from the request. */
export function signedDigest(ctx: Omit<ProveContext, "workDir">, output: readonly bigint[]): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint256", "address", "uint256", "bytes32", "bytes32", "bytes32", "address"],
      [
        DOMAIN,
        ctx.chainId,
        ctx.router,
        ctx.requestId,
        ctx.modelId,
        keccak256(packInt16(ctx.input)),
        keccak256(packInt16(output)),
        ctx.fulfiller,
      ],
    ),
  );
}

class TrustedSignerProver implements ModelProver {
  readonly proofType = TRUSTED_SIGNER;

  constructor(
    private readonly model: Model,
    private readonly signer: BaseWallet,
  ) {}

  verifier() {
    return { proofType: this.proofType, address: this.signer.address, params: 0n };
  }

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const output = this.model.runQuantized(ctx.input).flatMap((t) => Array.from(t.data, (v) => BigInt(v)));
    return { output, evidence: await this.signer.signMessage(getBytes(signedDigest(ctx, output))) };
  }
}

export function trustedSignerProofSystem(signer: BaseWallet): ProofSystem {
  let artifact: ContractArtifact | undefined;
  return {
    proofType: TRUSTED_SIGNER,
    name: "trusted-signer",
    adapter() {
      artifact ??= {
        contractName: "TrustedSignerAdapter",
        ...compileSolidity(readFileSync(join(PACKAGE_ROOT, ADAPTER_SOURCE), "utf8"), ADAPTER_SOURCE, "TrustedSignerAdapter"),
      };
      return artifact;
    },
    prepare: async (model) => new TrustedSignerProver(model, signer),
  };
}
