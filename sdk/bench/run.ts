/**
 * The benchmark run: every (model, path) cell of the grid, smallest model
 * first, each written to the cell store as soon as it is done, then the
 * report (sdk/bench/report.ts). One in-process chain serves every protocol
 * cell; it is opened only when a protocol cell is left to run.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

import { packInt16 } from "../commit/int16Tensor.js";
import { Model } from "../model.js";
import type { ProofTypeId } from "../protocol/proofType.js";
import { ProofType } from "../protocol/proofType.js";
import { proofSupport } from "../proofs/support.js";
import { cacheDir } from "../paths.js";
import { readManifest } from "../zoo/files.js";
import { nativeAvailable } from "../zk/groth16/native.js";
import { planCircuit } from "../zk/groth16/circuitGen.js";
import { type Progress, silentProgress } from "../zk/progress.js";
import { type BenchConfig, CellStore } from "./cells.js";
import { ezklPath, ezklRawOffchain, groth16Path, opmlClaim, opmlPath, sampleInput, teePath, type PreparedPath } from "./offchain.js";
import { ChainSession, onchainMeasures } from "./onchain.js";
import { circomlibMlConstraints } from "./peers.js";
import { BenchError } from "./process.js";
import { CELL_SCHEMA, type CellRecord, type PathName, PROTOCOL_PATHS } from "./schema.js";

export interface BenchEvents {
  /** The grid, before the first cell: how many cells, how many already finished (resumed). */
  plan?(total: number, finished: number): void;
  cellStart?(model: string, path: PathName): void;
  cellDone?(record: CellRecord): void;
  /** A line of progress (what is being done now). */
  log?(message: string): void;
}

const PROOF_TYPE: Record<string, ProofTypeId> = {
  "groth16-native": ProofType.Groth16,
  "groth16-snarkjs": ProofType.Groth16,
  ezkl: ProofType.Ezkl,
  opml: ProofType.Opml,
  tee: ProofType.Tee,
};

const supportCache = new WeakMap<Model, ReturnType<typeof proofSupport>>();

/** The static answer of a path's proof system for the model (Groth16 plans the circuit; OPML builds the node programs), once per model. */
function unsupported(model: Model, path: PathName): string | undefined {
  const system = path.startsWith("groth16") ? "groth16" : path;
  let all = supportCache.get(model);
  if (!all) supportCache.set(model, (all = proofSupport(model)));
  const s = all.find((x) => x.name === system)?.support;
  if (!s || s.ok) return undefined;
  return `${s.node !== undefined ? `${s.op ?? "node"} node "${s.node}": ` : ""}${s.reason}`;
}

/** The number of parameters: the zoo manifest's, else the weights the commitment covers. */
export function parametersOf(model: Model): number {
  return readManifest(model.path)?.parameters ?? model.commitment.weightCount;
}

export async function runBench(
  runDir: string,
  config: BenchConfig,
  events: BenchEvents = {},
  progress: Progress = silentProgress,
): Promise<CellRecord[]> {
  const store = new CellStore(runDir);
  const log = (m: string) => events.log?.(m);
  const paths = config.paths.filter((p) => p !== "groth16-native" || nativeAvailable());
  const models = config.models.map((ref) => {
    const model = Model.load(ref);
    return { ref, model, parameters: parametersOf(model) };
  });
  models.sort((a, b) => a.parameters - b.parameters);
  const grid = models.flatMap((m) => paths.map((path) => ({ ...m, path })));
  events.plan?.(grid.length, grid.filter((c) => store.finished(c.ref, c.path)).length);

  let session: ChainSession | undefined;
  const chain = async () => {
    if (!session) {
      log("opening the in-process chain: protocol (Ignition), dev enclave, one warm-up request");
      session = await ChainSession.open(warmup);
    }
    return session;
  };
  const scratchRoot = join(cacheDir(), "bench-scratch");
  try {
    for (const cell of grid) {
      if (store.finished(cell.ref, cell.path)) continue;
      events.cellStart?.(cell.ref, cell.path);
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      const base = { schema: CELL_SCHEMA, model: cell.ref, path: cell.path, parameters: cell.parameters, repeat: config.repeat, startedAt };
      let record: CellRecord;
      const scratch = join(scratchRoot, `${cell.model.graph.name}-${cell.path}`);
      try {
        const body = await runCell(
          cell.model,
          cell.path,
          config,
          scratch,
          (PROTOCOL_PATHS as readonly string[]).includes(cell.path) ? chain : undefined,
          progress,
          log,
        );
        record = { ...base, ...body, wallMs: performance.now() - t0 };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log(`${cell.ref} ${cell.path}: FAILED: ${message.split("\n")[0]}`);
        record = { ...base, status: "failed", note: message.slice(0, 2000), wallMs: performance.now() - t0 };
      } finally {
        rmSync(scratch, { recursive: true, force: true }); // keys, witnesses and proofs never stay
      }
      store.write(record);
      events.cellDone?.(record);
    }
  } finally {
    await session?.close();
  }
  return store.all();
}

/** One warm-up request served on TEE (steady-state gas: counters and balances not zero any more). */
async function warmup(s: ChainSession): Promise<void> {
  const model = Model.load("sweep-mlp-1e2");
  const path = await teePath(model, s.tee, 1);
  await s.register(model, path.prover);
  const input = sampleInput(model);
  const { rec } = await s.request(model, input, ProofType.Tee);
  const proven = await path.prove(s.contextOf(rec, ""));
  await s.fulfil(rec, proven.output, proven.evidence);
}

type CellBody = Omit<CellRecord, "schema" | "model" | "path" | "parameters" | "repeat" | "startedAt" | "wallMs">;

async function runCell(
  model: Model,
  path: PathName,
  config: BenchConfig,
  scratch: string,
  chain: (() => Promise<ChainSession>) | undefined,
  progress: Progress,
  log: (m: string) => void,
): Promise<CellBody> {
  const L = config.limits;
  const params = parametersOf(model);
  const name = model.graph.name;
  if (path === "circomlib-ml") return { status: "ok", computed: circomlibMlConstraints(model), note: "computed, not measured" };
  if (path === "ezkl-raw") {
    if (params > L.ezklRawMaxParams)
      return { status: "skipped", note: `over this run's raw EZKL limit (${L.ezklRawMaxParams} parameters)` };
    log(`${name}: raw EZKL pipeline (settings, calibrate, compile, SRS, setup, witness, prove, verify)`);
    const r = ezklRawOffchain(model, scratch);
    return {
      status: "ok",
      offchain: r.offchain,
      peer: { version: r.version, stagesS: r.stagesS },
      note: "one pipeline run (not repeated)",
    };
  }
  const refused = unsupported(model, path);
  if (refused) return { status: "unsupported", note: refused };
  if (path.startsWith("groth16")) {
    if (params > L.groth16MaxParams) return { status: "skipped", note: `over this run's Groth16 limit (${L.groth16MaxParams} parameters)` };
    const constraints = planCircuit(model.quantized, { emit: false }).constraints;
    const max = path === "groth16-native" ? L.groth16MaxConstraints : L.snarkjsMaxConstraints;
    if (constraints > max) return { status: "skipped", note: `${constraints} constraints: over this run's limit (${max})` };
  }
  if (path === "ezkl" && params > L.ezklMaxParams)
    return { status: "skipped", note: `over this run's EZKL limit (${L.ezklMaxParams} parameters)` };
  if (path === "opml" && params > L.opmlMaxParams)
    return { status: "skipped", note: `over this run's OPML limit (${L.opmlMaxParams} parameters)` };
  if (path === "tee" && params > L.teeMaxParams)
    return { status: "skipped", note: `over this run's TEE limit (${L.teeMaxParams} parameters)` };
  if (!chain) throw new BenchError(`${path} is a protocol path: it needs the chain`);
  const s = await chain();
  const input = sampleInput(model);
  const proofType = PROOF_TYPE[path]!;

  if (path === "opml") {
    log(`${name}: OPML commitment and node programs`);
    const prepared = await opmlPath(model);
    const { verifier, deployGas } = await s.register(model, prepared.prover);
    log(`${name}: OPML trace and claim ×${config.repeat}`);
    const claim = await opmlClaim(input, model, prepared.setupMs, config.repeat);
    log(`${name}: OPML honest claim, settled after the challenge window`);
    const honest = await s.opmlHonest(model, input, verifier, claim);
    const verifierGas = await s.verifierGas(proofType, honest.rec, claim.output, claim.evidence);
    log(`${name}: OPML dispute against a lie at the worst place`);
    const dispute = await s.opmlWorstDispute(model, input, claim.honest, verifier, L.disputePlaces);
    return {
      status: "ok",
      offchain: claim.offchain,
      onchain: onchainMeasures({
        requestGas: honest.requestGas,
        fulfilled: honest.fulfilled,
        verifierGas,
        verifierDeployGas: deployGas,
        settleGas: honest.settleGas,
        releaseBondGas: honest.releaseGas,
      }),
      dispute,
    };
  }

  log(`${name}: ${path} set-up`);
  let prepared: PreparedPath;
  if (path === "groth16-native" || path === "groth16-snarkjs")
    prepared = await groth16Path(model, {
      prover: path === "groth16-native" ? "native" : "snarkjs",
      repeat: config.repeat,
      scratch,
      snarkjsSetupMax: L.snarkjsSetupMaxConstraints,
      progress,
    });
  else if (path === "ezkl") prepared = await ezklPath(model, { repeat: config.repeat, scratch, progress });
  else prepared = await teePath(model, s.tee, config.repeat);
  const { deployGas } = await s.register(model, prepared.prover);
  const { rec, gas: requestGas } = await s.request(model, input, proofType);
  log(`${name}: ${path} prove ×${config.repeat}`);
  const proven = await prepared.prove(s.contextOf(rec, join(scratch, "work")));
  const fulfilled = await s.fulfil(rec, proven.output, proven.evidence);
  if (!(await s.router.isResult(rec.requestId, rec.request, packInt16(proven.output))))
    throw new BenchError(`${name} ${path}: the fulfilment was mined but the router holds no result`);
  const verifierGas = await s.verifierGas(proofType, rec, proven.output, proven.evidence);
  return {
    status: "ok",
    offchain: proven.offchain,
    onchain: onchainMeasures({ requestGas, fulfilled, verifierGas, verifierDeployGas: deployGas }),
    ...(prepared.note ? { note: prepared.note } : {}),
  };
}
