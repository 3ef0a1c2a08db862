/**
 * The SDK's off-chain DCAP verifier (dcap-qvl plus vinfer's CRL checks) as the reference the
 * on-chain verifier is compared with, and the on-chain verdict in the same shape.
 */
import { hexlify } from "ethers";

import { verifyDcapQuote } from "../../../sdk/tee/attestation/dcap.js";
import { TCB_STATUSES } from "../../../sdk/tee/attestation/types.js";
import type { PccsCollateral } from "../../../sdk/tee/dcap/collateral.js";
import type { DcapQuoteVerifier } from "../../../types/ethers-contracts/index.js";

/** The on-chain `DcapTypes.TcbStatus` enum, in order (the same names and order as the SDK's). */
export const ON_CHAIN_STATUSES = TCB_STATUSES;

export interface Verdict {
  ok: boolean;
  status?: string;
  advisoryIds?: string[];
  measurement?: string;
  reportData?: string;
  /** Why it failed (an error message or the custom error's name). */
  reason?: string;
}

/** The SDK's verdict with every TCB status accepted (so `ok` is about the evidence, not the policy). */
export async function offChainVerdict(quote: Uint8Array, collateral: PccsCollateral, at: number): Promise<Verdict> {
  try {
    const v = await verifyDcapQuote(quote, collateral as never, {
      at: new Date(at * 1000),
      acceptedTcbStatuses: TCB_STATUSES,
    });
    if (!v.ok) return { ok: false, reason: v.errors.join("; ") };
    return {
      ok: true,
      status: v.tcbStatus,
      advisoryIds: v.advisoryIds,
      measurement: v.measurement,
      reportData: v.reportData,
    };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** The on-chain verifier's verdict at the chain's current time (an eth_call). */
export async function onChainVerdict(verifier: DcapQuoteVerifier, quote: Uint8Array): Promise<Verdict> {
  try {
    const out = await verifier.verifyQuote(hexlify(quote));
    return {
      ok: true,
      status: ON_CHAIN_STATUSES[Number(out.tcbStatus)],
      advisoryIds: [...out.advisoryIds],
      measurement: out.measurement,
      reportData: out.reportData,
    };
  } catch (e) {
    const err = e as { errorName?: string; message: string; shortMessage?: string };
    return { ok: false, reason: err.errorName ?? err.shortMessage ?? err.message };
  }
}
