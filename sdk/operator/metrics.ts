/**
 * Prometheus metrics and a health endpoint for the operator node
 * (`vinfer serve --metrics-port`), with prom-client. They are derived from the
 * node's event log (the same events `--json` prints) and, at scrape time, from
 * the job store and the fleet's queues, so the node itself needs no hooks:
 *
 *   vinfer_jobs{state}                     jobs in the store by state (gauge, read at scrape)
 *   vinfer_job_events_total{event,proof_type}  job.proved, job.done, job.failed, job.skipped
 *   vinfer_proving_seconds{proof_type}     time to prove a job (histogram)
 *   vinfer_fees_earned_wei_total           fees of fulfilled requests (wei, as a float)
 *   vinfer_gas_spent_total                 gas of the node's fulfil transactions
 *   vinfer_fleet_queue_jobs{proof_type,model,state}  the fleet's queues (with --queue)
 *   vinfer_tx_events_total{event}          what the chain did to the node's transactions: tx.reorged,
 *                                          tx.rebroadcast, tx.replaced, tx.fee_capped, tx.dropped,
 *                                          tx.nonce_gap_filled (./txSender.ts)
 *
 * GET /metrics serves them; GET /healthz answers 200 while the node runs.
 */
import { type Server, createServer } from "node:http";

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import { proofTypeName } from "../proofs/registry.js";
import type { ProofTypeId } from "../protocol/proofType.js";
import type { FleetQueues } from "./fleet/queuedProver.js";
import type { JobQueue } from "./jobQueue.js";
import type { LogFields, LogLevel, Logger } from "./log.js";

/** Events counted by vinfer_job_events_total. */
const COUNTED = new Set(["job.proved", "job.done", "job.failed", "job.skipped"]);
/** Events counted by vinfer_tx_events_total: each one a thing to alert on when it recurs. */
const TX_EVENTS = new Set(["tx.reorged", "tx.rebroadcast", "tx.replaced", "tx.fee_capped", "tx.dropped", "tx.nonce_gap_filled"]);

export interface MetricsSources {
  readonly store: JobQueue;
  /** With --queue: the fleet's queues of these models and proof types. */
  readonly fleet?: { readonly queues: FleetQueues; readonly served: readonly { modelId: string; proofType: ProofTypeId }[] };
  /** Whether the node runs (the health endpoint's answer). */
  readonly healthy: () => boolean;
}

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly events: Counter<"event" | "proof_type">;
  private readonly proving: Histogram<"proof_type">;
  private readonly fees: Counter;
  private readonly gas: Counter;
  private readonly txEvents: Counter<"event">;

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: "vinfer_process_" });
    this.events = new Counter({
      name: "vinfer_job_events_total",
      help: "job events of the operator node",
      labelNames: ["event", "proof_type"],
      registers: [this.registry],
    });
    this.proving = new Histogram({
      name: "vinfer_proving_seconds",
      help: "time to prove one job",
      labelNames: ["proof_type"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [this.registry],
    });
    this.fees = new Counter({
      name: "vinfer_fees_earned_wei_total",
      help: "fees of fulfilled requests, in wei",
      registers: [this.registry],
    });
    this.gas = new Counter({
      name: "vinfer_gas_spent_total",
      help: "gas used by the node's fulfil transactions",
      registers: [this.registry],
    });
    this.txEvents = new Counter({
      name: "vinfer_tx_events_total",
      help: "reorgs, re-sends, fee replacements, fee-cap holds, dropped transactions and filled nonce gaps",
      labelNames: ["event"],
      registers: [this.registry],
    });
    const store = sources.store;
    new Gauge({
      name: "vinfer_jobs",
      help: "jobs in the node's store, by state",
      labelNames: ["state"],
      registers: [this.registry],
      collect() {
        for (const [state, n] of Object.entries(store.counts())) this.set({ state }, n);
      },
    });
    const fleet = sources.fleet;
    if (fleet) {
      new Gauge({
        name: "vinfer_fleet_queue_jobs",
        help: "jobs in the prover fleet's queues, by model, proof type and state",
        labelNames: ["proof_type", "model", "state"],
        registers: [this.registry],
        async collect() {
          for (const { modelId, proofType } of fleet.served) {
            const counts = await fleet.queues.counts(proofType, modelId);
            for (const [state, n] of Object.entries(counts)) this.set({ proof_type: proofTypeName(proofType), model: modelId, state }, n);
          }
        },
      });
    }
  }

  /** A logger that feeds these metrics from the node's events and passes every event on to `inner`. */
  logger(inner: Logger): Logger {
    return {
      log: (level: LogLevel, event: string, fields: LogFields = {}) => {
        this.observe(event, fields);
        inner.log(level, event, fields);
      },
    };
  }

  /** Serves GET /metrics and GET /healthz on 127.0.0.1:`port` (0: any free port), or on `host`. */
  async serve(port: number, host = "127.0.0.1"): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url === "/metrics") {
        this.registry
          .metrics()
          .then((body) => res.writeHead(200, { "content-type": this.registry.contentType }).end(body))
          .catch((err: unknown) => res.writeHead(500).end(String(err)));
      } else if (req.url === "/healthz") {
        const ok = this.sources.healthy();
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: ok ? "ok" : "stopped" }));
      } else {
        res.writeHead(404).end("GET /metrics or /healthz\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
    return server;
  }

  private observe(event: string, fields: LogFields): void {
    if (TX_EVENTS.has(event)) this.txEvents.inc({ event });
    if (!COUNTED.has(event) || fields.requestId === undefined || fields.requestId === null) return;
    const job = this.sources.store.get(BigInt(fields.requestId));
    const proofType = job ? proofTypeName(job.request.proofType) : "unknown";
    this.events.inc({ event, proof_type: proofType });
    if (event === "job.proved" && typeof fields.ms === "number") this.proving.observe({ proof_type: proofType }, fields.ms / 1000);
    if (event === "job.done") {
      if (job) this.fees.inc(Number(job.request.fee));
      if (fields.gasUsed !== undefined && fields.gasUsed !== null) this.gas.inc(Number(fields.gasUsed));
    }
  }
}
