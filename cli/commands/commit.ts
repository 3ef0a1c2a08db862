/** vinfer commit <model>: the model id and the parts it commits to. */
import type { Command } from "commander";

import { poseidonModelCommitment } from "../../sdk/commit/modelId.js";
import { WEIGHT_CHUNK_SIZE } from "../../sdk/commit/weights.js";
import { Model } from "../../sdk/model.js";
import { table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";
import { out } from "../output.js";

export function registerCommit(program: Command): void {
  addQuantOptions(
    program
      .command("commit")
      .description("compute the model id: keccak commitment to the integer IR and its weights (Merkle root)")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
      .option("--poseidon", "also compute the Poseidon commitment used by circuits (slow for large models)")
      .option("--json", "print the commitment as one JSON document"),
  ).action(async (ref: string, opts) => {
    const model = Model.load(ref, quantConfigOf(opts));
    const c = model.commitment;
    const result: Record<string, string | number> = {
      model: model.path,
      modelId: c.modelId,
      irHash: c.irHash,
      weightsRoot: c.weightsRoot,
      weightCount: c.weightCount,
      weightChunks: Math.max(1, Math.ceil(c.weightCount / WEIGHT_CHUNK_SIZE)),
    };
    if (opts.poseidon) result.poseidonCommitment = (await poseidonModelCommitment(c)).toString();
    out.result(result, () => table(Object.entries(result).map(([k, v]) => [k, String(v)])));
  });
}
