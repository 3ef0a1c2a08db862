/**
 * Holding TEE jobs until the enclave key that signs them may sign for the
 * model (admitted, unexpired, its measurement accepted). Admission is a step
 * people take while the node runs (attesters verify, a quorum admits, the
 * model's owner accepts the measurement), so a job waits for it instead of
 * spending its retries; a revoked key or measurement fails the job at once.
 *
 * A single node knows its enclave key before proving (`awaitingAdmission`);
 * a fleet coordinator learns which worker's enclave signed only from the
 * signature (`awaitingSignerAdmission`).
 */
import { recoverAddress } from "ethers";

import { VinferError } from "../errors.js";
import type { Logger } from "../operator/log.js";
import type { Prover } from "../operator/operatorNode.js";
import type { ProveContext } from "../proofs/proofSystem.js";
import { explainRevert } from "../protocol/contracts.js";
import type { EnclaveRegistry } from "../../types/ethers-contracts/index.js";
import { teeResultDigest } from "./resultSigning.js";

/** Reverts of checkKey that the registry's owner, the quorum or the model's owner can lift: worth waiting for. */
const AWAITABLE = new Set(["Enclave_KeyNotAdmitted", "Enclave_MeasurementNotAccepted", "Enclave_KeyExpired", "Enclave_AdmitterDisabled"]);
const POLL_MS = 2_000;

export interface AdmissionWait {
  readonly registry: EnclaveRegistry;
  readonly log: Logger;
  /** True once the node is stopping: a waiting job gives up (and is retried after a restart). */
  readonly stopping: () => boolean;
  readonly pollMs?: number;
  /** Give up after this long (the job's attempt fails and is retried later); default: wait as long as it takes. */
  readonly maxWaitMs?: number;
}

/** Resolves once `key` may sign results of the request's model; throws on a refusal no one can lift. */
export async function untilKeyMaySign(key: string, ctx: ProveContext, w: AdmissionWait): Promise<void> {
  const giveUpAt = w.maxWaitMs === undefined ? Infinity : Date.now() + w.maxWaitMs;
  let reported = "";
  for (;;) {
    let waitingFor: string | undefined;
    try {
      await w.registry.checkKey(ctx.modelId, key);
    } catch (err) {
      const e = explainRevert(`checkKey(${ctx.modelId}, ${key})`, err);
      const name = (e as { revertName?: string }).revertName;
      if (!name || !AWAITABLE.has(name)) throw e;
      waitingFor = e.message;
    }
    if (waitingFor === undefined) return;
    if (w.stopping()) throw new VinferError("OPERATOR_STOPPING", `request ${ctx.requestId} not signed: the node stopped (${waitingFor})`);
    if (Date.now() >= giveUpAt)
      throw new VinferError(
        "TEE_SIGNER_NOT_ADMITTED",
        `request ${ctx.requestId}: enclave key ${key} may not sign for the model after ${w.maxWaitMs} ms (${waitingFor}); the job is retried`,
      );
    if (waitingFor !== reported) {
      w.log.log("warn", "tee.waiting_for_admission", {
        requestId: ctx.requestId,
        enclaveKey: key,
        reason: waitingFor,
        todo: "vinfer tee attester <attestation> (each verifier), vinfer tee admit <files>, vinfer tee accept --model … --measurement …",
      });
      reported = waitingFor;
    }
    await new Promise((r) => setTimeout(r, w.pollMs ?? POLL_MS));
  }
}

/** A TEE prover whose enclave key is known: each job waits for the key's admission before it is signed. */
export function awaitingAdmission(prover: Prover, key: string, w: AdmissionWait): Prover {
  return {
    proofType: prover.proofType,
    async prove(ctx) {
      await untilKeyMaySign(key, ctx, w);
      return prover.prove(ctx);
    },
  };
}

/**
 * A TEE prover whose results come signed by some fleet worker's enclave: the signer is recovered
 * from each result, and the result is held until that key may sign for the model. A result given
 * up on (a key never admitted: a restarted worker's, or a signature that recovers to no admitted
 * key) is passed to `discard`, so that the retry asks for a new signature instead of finding the
 * same result again.
 */
export function awaitingSignerAdmission(prover: Prover, w: AdmissionWait, discard?: (ctx: ProveContext) => Promise<void>): Prover {
  return {
    proofType: prover.proofType,
    async prove(ctx) {
      const result = await prover.prove(ctx);
      try {
        const signer = recoverAddress(teeResultDigest(ctx, result.output), result.evidence);
        await untilKeyMaySign(signer, ctx, w);
      } catch (err) {
        await discard?.(ctx);
        throw err;
      }
      return result;
    },
  };
}
