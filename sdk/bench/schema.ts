/**
 * The data model of `vinfer bench` (docs/benchmarks.md): one cell per (model,
 * path), its measurements, and the checks that a results folder holds what it
 * should. Every number is measured in the run that wrote it, except the
 * circomlib-ml peer's constraint counts, which are computed (labelled
 * `computed`), and the published figures (sdk/bench/peers.ts), which never
 * enter a cell.
 */

/** A proof path of the protocol, or a peer measured or computed beside it. */
export const PATHS = ["groth16-native", "groth16-snarkjs", "ezkl", "opml", "tee", "ezkl-raw", "circomlib-ml"] as const;
export type PathName = (typeof PATHS)[number];

/** The protocol's own paths (on-chain measured); the others are peers. */
export const PROTOCOL_PATHS: readonly PathName[] = ["groth16-native", "groth16-snarkjs", "ezkl", "opml", "tee"];

export function isPathName(s: string): s is PathName {
  return (PATHS as readonly string[]).includes(s);
}

/**
 * ok: measured. unsupported: the path cannot take the model (its own static
 * check says why). skipped: left out by this run's size limits (not a
 * verdict on the path). failed: tried and failed (the error is kept).
 */
export type CellStatus = "ok" | "unsupported" | "skipped" | "failed";

/** Median and spread of repeated measurements. */
export interface Stats {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median: 0 for one sample. */
  readonly relSpread: number;
}

/** Where a peak memory figure comes from. */
export type MemoryScope =
  /** /usr/bin/time's maximum resident set of the proving process (native prover, snarkjs CLI, EZKL pipeline). */
  | "process"
  /** VmHWM of the long-lived EZKL worker process, reset before the proof (Linux clear_refs). */
  | "worker-process"
  /**
   * Work done inside the bench's own Node process (OPML, TEE): how far its
   * resident set rose above its level before the work (VmHWM, reset first,
   * minus VmRSS before); the runtime, the SDK and the chain are not counted.
   */
  | "bench-process";

export interface OffchainMeasures {
  /** Key or circuit set-up, cold (in a scratch folder), once per cell; null where not measured (note says why). */
  readonly setupMs: number | null;
  /** Proving (Groth16, EZKL), trace and claim building (OPML), or interpreting and signing (TEE), per repeat. */
  readonly proveMs: Stats;
  /** Peak resident memory during the proving, MB (max over repeats). */
  readonly peakMemMb: number | null;
  readonly memoryScope: MemoryScope | null;
  /** The evidence router.fulfill carries (a proof, a claim, a signature), bytes. */
  readonly evidenceBytes: number | null;
  /** The witness (Groth16 .wtns, EZKL witness.json) or the OPML execution trace (values × 8 bytes as held), bytes. */
  readonly witnessBytes: number | null;
  /** Circuit size where there is one: Groth16 constraints, EZKL 2^logrows rows. */
  readonly constraints: number | null;
  readonly logrows: number | null;
  /** Stage timings reported by the prover where it gives them (ms). */
  readonly stages?: Readonly<Record<string, number>>;
}

export interface OnchainMeasures {
  readonly requestGas: number;
  /** router.fulfill (for OPML: the claim). */
  readonly fulfilGas: number;
  /** The verifier's own execution (the adapter's call, sent alone, less 21,000 and calldata); null where not isolable. */
  readonly verifierGas: number | null;
  /** Deployment of the model's verifier (0 when it is an existing contract, e.g. TEE's enclave registry). */
  readonly verifierDeployGas: number;
  /** OPML: settle of the honest claim after the challenge window; null otherwise. */
  readonly settleGas: number | null;
  /** OPML: releaseBond after the settle; null otherwise. */
  readonly releaseBondGas: number | null;
  /** The fulfil transaction's calldata, bytes. */
  readonly fulfilCalldataBytes: number;
}

/** OPML: a whole dispute against a lie at the worst place (the most moves, then the most gas). */
export interface DisputeMeasures {
  readonly node: number;
  readonly op: string;
  readonly lie: string;
  /** Moves including the challenge. */
  readonly moves: number;
  readonly movesBound: number;
  /** Challenge + every move, gas. */
  readonly totalGas: number;
  /** The one step (executeStep) that ends it, gas. */
  readonly oneStepGas: number;
  /** The largest single move, gas. */
  readonly largestMoveGas: number;
  readonly settleRejectedGas: number;
  readonly wallMs: number;
  /** How many places tie for the most moves, and how many were played. */
  readonly tiedPlaces: number;
  readonly playedPlaces: number;
}

/** The circomlib-ml peer: constraints its templates would need for the same layers, computed. */
export interface ComputedPeer {
  readonly constraints: number;
  /** Layers counted, and the ones circomlib-ml's templates do not cover (not counted). */
  readonly counted: readonly string[];
  readonly notCounted: readonly string[];
  readonly source: string;
}

export interface CellRecord {
  readonly schema: typeof CELL_SCHEMA;
  readonly model: string;
  readonly path: PathName;
  readonly parameters: number;
  readonly status: CellStatus;
  /** Why a cell is unsupported, skipped or failed; or a note on an ok cell. */
  readonly note?: string;
  readonly repeat: number;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly offchain?: OffchainMeasures;
  readonly onchain?: OnchainMeasures;
  readonly dispute?: DisputeMeasures;
  readonly computed?: ComputedPeer;
  /** ezkl-raw: the peer's own version and pipeline stage timings (s). */
  readonly peer?: { readonly version: string; readonly stagesS: Readonly<Record<string, number>> };
}

export const CELL_SCHEMA = "vinfer-bench-cell/1" as const;
export const RUN_SCHEMA = "vinfer-bench-run/1" as const;

/** Every problem with a cell record as read from JSON (empty: it conforms). */
export function cellProblems(x: unknown): string[] {
  const p: string[] = [];
  if (typeof x !== "object" || x === null) return ["not an object"];
  const c = x as Record<string, unknown>;
  const num = (v: unknown, what: string, nullable = false) => {
    if (nullable && v === null) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) p.push(`${what} is not a non-negative number (${String(v)})`);
  };
  if (c.schema !== CELL_SCHEMA) p.push(`schema is ${String(c.schema)}, not ${CELL_SCHEMA}`);
  if (typeof c.model !== "string" || c.model === "") p.push("model is not a name");
  if (typeof c.path !== "string" || !isPathName(c.path)) p.push(`path ${String(c.path)} is not one of ${PATHS.join(", ")}`);
  num(c.parameters, "parameters");
  if (!["ok", "unsupported", "skipped", "failed"].includes(c.status as string)) p.push(`status ${String(c.status)} is unknown`);
  if (c.status !== "ok" && typeof c.note !== "string") p.push(`a ${String(c.status)} cell has no note saying why`);
  if (c.status === "ok") {
    const path = c.path as PathName;
    if (path === "circomlib-ml") {
      const k = c.computed as Record<string, unknown> | undefined;
      if (!k) p.push("a circomlib-ml cell has no computed figures");
      else num(k.constraints, "computed.constraints");
    } else {
      const o = c.offchain as Record<string, unknown> | undefined;
      if (!o) p.push("an ok cell has no offchain measures");
      else {
        num(o.setupMs, "offchain.setupMs", true);
        const s = o.proveMs as Record<string, unknown> | undefined;
        if (!s) p.push("offchain.proveMs is missing");
        else for (const k of ["n", "median", "min", "max", "relSpread"]) num(s[k], `offchain.proveMs.${k}`);
        num(o.peakMemMb, "offchain.peakMemMb", true);
        num(o.evidenceBytes, "offchain.evidenceBytes", true);
        num(o.witnessBytes, "offchain.witnessBytes", true);
      }
      if ((PROTOCOL_PATHS as readonly string[]).includes(path)) {
        const g = c.onchain as Record<string, unknown> | undefined;
        if (!g) p.push("an ok protocol cell has no onchain measures");
        else {
          for (const k of ["requestGas", "fulfilGas", "verifierDeployGas", "fulfilCalldataBytes"]) num(g[k], `onchain.${k}`);
          num(g.verifierGas, "onchain.verifierGas", true);
          if (path === "opml") {
            num(g.settleGas, "onchain.settleGas");
            num(g.releaseBondGas, "onchain.releaseBondGas");
          }
        }
        if (path === "opml") {
          const d = c.dispute as Record<string, unknown> | undefined;
          if (!d) p.push("an ok opml cell has no dispute measures");
          else for (const k of ["moves", "totalGas", "oneStepGas", "largestMoveGas"]) num(d[k], `dispute.${k}`);
        }
      }
    }
  }
  return p;
}
