/**
 * What travels through the prover fleet's queues (Redis, BullMQ): one job per
 * request and proof type, its context as JSON (bigints as decimal strings),
 * its result the same way. The coordinator adds jobs (queuedProver.ts);
 * stateless workers take them (proverWorker.ts). docs/operator-fleet.md.
 */
import { InputError, VinferError } from "../../errors.js";
import type { ProveContext, ProvenResult } from "../../proofs/proofSystem.js";
import { proofTypeName } from "../../proofs/registry.js";
import type { ProofTypeId } from "../../protocol/proofType.js";

/**
 * The queue of one model and proof type: a worker takes only the jobs of what it serves (a
 * worker that cannot prove a job never holds it), each queue with its own concurrency.
 */
export function queueName(proofType: ProofTypeId, modelId: string): string {
  return `vinfer-prove-${proofTypeName(proofType)}-${modelId.toLowerCase().replace(/^0x/, "").slice(0, 16)}`;
}

/** A job's id: one job per (chain, router, request), so a coordinator that restarts finds its job again instead of adding a second. */
export function jobIdOf(ctx: Pick<ProveContext, "chainId" | "router" | "requestId">): string {
  return `${ctx.chainId}-${ctx.router.toLowerCase()}-${ctx.requestId}`;
}

/** A job's data: the prove context without the coordinator's local work folder. */
export interface ProofJobData {
  readonly chainId: string;
  readonly router: string;
  readonly requestId: string;
  readonly modelId: string;
  readonly fulfiller: string;
  readonly input: string[];
}

export interface ProofJobResult {
  readonly output: string[];
  readonly evidence: string;
}

export function jobDataOf(ctx: ProveContext): ProofJobData {
  return {
    chainId: ctx.chainId.toString(),
    router: ctx.router,
    requestId: ctx.requestId.toString(),
    modelId: ctx.modelId,
    fulfiller: ctx.fulfiller,
    input: ctx.input.map(String),
  };
}

export function contextOf(data: ProofJobData, workDir: string): ProveContext {
  return {
    chainId: BigInt(data.chainId),
    router: data.router,
    requestId: BigInt(data.requestId),
    modelId: data.modelId,
    fulfiller: data.fulfiller,
    input: data.input.map((v) => BigInt(v)),
    workDir,
  };
}

export function jobResultOf(r: ProvenResult): ProofJobResult {
  return { output: r.output.map(String), evidence: r.evidence };
}

export function provenResultOf(r: unknown, jobId: string): ProvenResult {
  const x = r as Partial<ProofJobResult> | null;
  if (!x || !Array.isArray(x.output) || typeof x.evidence !== "string" || !/^0x[0-9a-fA-F]*$/.test(x.evidence)) {
    throw new VinferError("FLEET_BAD_RESULT", `proof job ${jobId} returned no { output, evidence } result: ${JSON.stringify(r)}`);
  }
  return { output: x.output.map((v) => BigInt(v)), evidence: x.evidence };
}

/**
 * BullMQ's priority from a fee: 1 (first) for the highest fees. Priorities are
 * integers from 1 to 2^21; fees are bucketed by their order of magnitude in wei.
 */
export function priorityOf(feeWei: bigint): number {
  const MAX_PRIORITY = 2 ** 21;
  if (feeWei <= 0n) return MAX_PRIORITY;
  const digits = feeWei.toString().length; // 1..78
  return Math.max(1, 100 - digits);
}

/** The Redis connection options of a redis:// URL (host, port, password, db). */
export function redisConnectionOf(url: string): { host: string; port: number; password?: string; db?: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`--queue ${url} is not a URL: give redis://host:port (optionally redis://:password@host:port/db)`);
  }
  if (u.protocol !== "redis:") throw new InputError(`--queue ${url}: only redis:// URLs are supported`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}
