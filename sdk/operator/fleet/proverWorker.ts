/**
 * A stateless prover worker of the fleet (`vinfer worker --queue redis://...`):
 * takes proof jobs of the proof types and models it was started with from
 * their BullMQ queues, proves them with the same provers `vinfer serve` runs,
 * and returns output and evidence. It holds no key and no chain connection.
 *
 * A worker killed mid-proof loses its job's lock; BullMQ's stalled-job check
 * (every `stalledIntervalMs`) puts the job back and another worker takes it.
 */
import { join } from "node:path";

import { Worker } from "bullmq";

import type { Prover } from "../operatorNode.js";
import type { Logger } from "../log.js";
import { type ProofJobData, type ProofJobResult, contextOf, jobResultOf, queueName, redisConnectionOf } from "./proofJobs.js";
import { proofTypeName } from "../../proofs/registry.js";

export interface ProverWorkerOptions {
  readonly url: string;
  /** Model id (lower-case hex) -> the provers this worker runs for it. */
  readonly provers: ReadonlyMap<string, readonly Prover[]>;
  /** Jobs proven at once, per proof type's queue. */
  readonly concurrency: number;
  readonly workDir: string;
  readonly logger: Logger;
  /** How long a job's lock lasts without renewal (a killed worker's job is free again after it; default 10 s). */
  readonly lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 5 s). */
  readonly stalledIntervalMs?: number;
}

export class ProverWorker {
  private readonly workers: Worker<ProofJobData, ProofJobResult>[] = [];

  constructor(private readonly o: ProverWorkerOptions) {}

  /** Starts one BullMQ worker per model and proof type served. */
  async start(): Promise<void> {
    for (const [modelId, provers] of this.o.provers) {
      for (const prover of provers) {
        const name = queueName(prover.proofType, modelId);
        const worker = new Worker<ProofJobData, ProofJobResult>(name, (job) => this.prove(prover, job.id!, job.data), {
          connection: { ...redisConnectionOf(this.o.url), maxRetriesPerRequest: null },
          concurrency: this.o.concurrency,
          lockDuration: this.o.lockDurationMs ?? 10_000,
          stalledInterval: this.o.stalledIntervalMs ?? 5_000,
          maxStalledCount: 3,
        });
        worker.on("failed", (job, err) => this.o.logger.log("warn", "fleet.job_failed", { jobId: job?.id, error: err.message }));
        worker.on("error", (err) => this.o.logger.log("error", "fleet.worker_error", { error: err.message }));
        await worker.waitUntilReady();
        this.workers.push(worker);
        this.o.logger.log("info", "fleet.worker_ready", {
          modelId,
          proofType: proofTypeName(prover.proofType),
          queue: name,
          concurrency: this.o.concurrency,
        });
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }

  private async prove(prover: Prover, jobId: string, data: ProofJobData): Promise<ProofJobResult> {
    const started = Date.now();
    this.o.logger.log("info", "fleet.proving", { jobId, requestId: data.requestId, proofType: proofTypeName(prover.proofType) });
    const result = await prover.prove(contextOf(data, join(this.o.workDir, `job-${jobId}`)));
    this.o.logger.log("info", "fleet.proved", { jobId, requestId: data.requestId, ms: Date.now() - started });
    return jobResultOf(result);
  }
}
