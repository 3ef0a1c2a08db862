/**
 * The coordinator's side of the prover fleet: a Prover (what OperatorNode
 * runs per job) that proves nowhere locally but adds a job to the proof type's
 * BullMQ queue and waits for a worker's result. Everything else the
 * coordinator does (scan, job store, key, nonce, submission) is unchanged,
 * so at most one fulfilment per request still holds: it comes from the job
 * store and the submitter, not from the queue.
 */
import { Queue, QueueEvents } from "bullmq";

import { InputError, VinferError } from "../../errors.js";
import { OpmlProver } from "../../opml/proofSystem.js";
import type { ProveContext, ProvenResult } from "../../proofs/proofSystem.js";
import { proofTypeName } from "../../proofs/registry.js";
import { ProofType, type ProofTypeId } from "../../protocol/proofType.js";
import type { Prover } from "../operatorNode.js";
import {
  type ProofJobData,
  type ProofJobResult,
  jobDataOf,
  jobIdOf,
  priorityOf,
  provenResultOf,
  queueName,
  redisConnectionOf,
} from "./proofJobs.js";

export interface FleetQueueOptions {
  /** redis://host:port of the fleet's Redis. */
  readonly url: string;
  /** How long a job may take, queueing included, before the coordinator gives up on it (default 10 minutes). */
  readonly jobTimeoutMs?: number;
}

/** The queues of the proof types a coordinator hands out, and the event streams that report their results. */
export class FleetQueues {
  private readonly queues = new Map<string, { queue: Queue<ProofJobData, ProofJobResult>; events: QueueEvents }>();

  constructor(private readonly o: FleetQueueOptions) {}

  /** A prover of `proofType` whose jobs go to the fleet, the highest fees first. */
  prover(proofType: ProofTypeId): Prover {
    return { proofType, prove: (ctx) => this.prove(proofType, ctx) };
  }

  /**
   * OPML through the fleet: a worker builds the claim (the trace, the costly part for a big
   * model); the coordinator keeps `local` (the model and its program) to defend the claim if it
   * is challenged, which rebuilds the same trace.
   */
  opmlProver(local: OpmlProver): OpmlProver {
    return new QueuedOpmlProver(local, this);
  }

  async prove(proofType: ProofTypeId, ctx: ProveContext): Promise<ProvenResult> {
    const { queue, events } = await this.open(proofType, ctx.modelId);
    const jobId = jobIdOf(ctx);
    // The same id for the same request: after a coordinator restart this finds the job (running or
    // done) instead of adding a second one.
    const job = await queue.add(`request-${ctx.requestId}`, jobDataOf(ctx), {
      jobId,
      priority: priorityOf(ctx.fee ?? 0n),
      attempts: 1,
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
    try {
      return provenResultOf(await job.waitUntilFinished(events, this.o.jobTimeoutMs ?? 600_000), jobId);
    } catch (err) {
      // A failed job is removed so that the coordinator's retry (with backoff) adds a fresh one.
      await queue.remove(jobId).catch(() => {});
      throw new VinferError("FLEET_JOB_FAILED", `${proofTypeName(proofType)} proof job ${jobId}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Forgets the job of a request (its result was refused): the next prove() of it adds a fresh job. */
  async discard(proofType: ProofTypeId, ctx: ProveContext): Promise<void> {
    await (await this.open(proofType, ctx.modelId)).queue.remove(jobIdOf(ctx));
  }

  /** Jobs waiting, running, done and failed of a model and proof type (metrics, tests). */
  async counts(proofType: ProofTypeId, modelId: string): Promise<Record<string, number>> {
    return (await this.open(proofType, modelId)).queue.getJobCounts("waiting", "prioritized", "active", "completed", "failed", "delayed");
  }

  async close(): Promise<void> {
    for (const { queue, events } of this.queues.values()) {
      await events.close();
      await queue.close();
    }
    this.queues.clear();
  }

  private async open(proofType: ProofTypeId, modelId: string) {
    const name = queueName(proofType, modelId);
    let q = this.queues.get(name);
    if (!q) {
      const connection = redisConnectionOf(this.o.url);
      q = {
        queue: new Queue<ProofJobData, ProofJobResult>(name, { connection }),
        events: new QueueEvents(name, { connection }),
      };
      // Every job waited for adds listeners (waitUntilFinished); hundreds at once are expected here.
      q.queue.setMaxListeners(0);
      q.events.setMaxListeners(0);
      this.queues.set(name, q);
      await q.events.waitUntilReady();
    }
    return q;
  }
}

class QueuedOpmlProver extends OpmlProver {
  constructor(
    local: OpmlProver,
    private readonly fleet: FleetQueues,
  ) {
    if (local.settings.lie)
      throw new InputError(
        "--dishonest builds its lie on this node, but --queue sends OPML claims to the fleet's workers, which claim honestly; leave one of them out",
      );
    super(local.model, local.program, local.settings);
  }

  /**
   * The worker's claim, once its output is the one this node computes: a claim this node would
   * defend with another trace loses its bond. (The trace itself is rebuilt only if the claim is
   * challenged; run the same vinfer version on the coordinator and its workers.)
   */
  override async prove(ctx: ProveContext): Promise<ProvenResult> {
    const claim = await this.fleet.prove(ProofType.Opml, ctx);
    const expected = this.model.quantizedOutput(ctx.input);
    if (expected.length !== claim.output.length || expected.some((v, i) => v !== claim.output[i])) {
      await this.fleet.discard(ProofType.Opml, ctx);
      throw new VinferError(
        "FLEET_CLAIM_MISMATCH",
        `request ${ctx.requestId}: a worker's OPML claim has output ${claim.output.join(" ")}, this node computes ${expected.join(" ")}; not claimed (is the worker running another vinfer version?)`,
      );
    }
    return claim;
  }
}
