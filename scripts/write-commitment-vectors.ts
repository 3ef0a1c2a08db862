/**
 * Writes test/vectors/commitments.json: the model id of every zoo model and
 * hashes of a sample input/output. The test suite checks these never change.
 * Regenerate only when the commitment format changes on purpose (and bump
 * IR_FORMAT in sdk/commit/irDescription.ts): `npx tsx scripts/write-commitment-vectors.ts`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { poseidonModelCommitment } from "../sdk/commit/modelId.js";
import { poseidonHashInts } from "../sdk/commit/poseidon.js";
import { outputHash } from "../sdk/commit/tensorHash.js";
import { Model } from "../sdk/model.js";
import { ZOO_DIR, readInputFile, zooModelNames } from "../sdk/zoo/files.js";

const models: Record<string, unknown> = {};
for (const name of zooModelNames()) {
  const model = Model.load(name);
  const c = model.commitment;
  const sample = readInputFile(join(ZOO_DIR, name, "input.json")).samples[0]!;
  const result = model.runInteger([sample]);
  models[name] = {
    modelId: c.modelId,
    irHash: c.irHash,
    weightsRoot: c.weightsRoot,
    weightCount: c.weightCount,
    sampleInputHash: result.inputHash,
    sampleOutputHash: outputHash(result.outputs),
    sampleOutput: Array.from(result.outputs[0]!.data),
    ...(c.weightCount < 5000
      ? {
          poseidonModelCommitment: (await poseidonModelCommitment(c)).toString(),
          samplePoseidonInputHash: (await poseidonHashInts(result.inputs[0]!.data)).toString(),
        }
      : {}),
  };
  console.log(`${name}: ${c.modelId}`);
}
const out = join(import.meta.dirname, "..", "test", "vectors", "commitments.json");
writeFileSync(out, JSON.stringify({ format: "vinfer-ir/1", models }, null, 1) + "\n");
console.log(`wrote ${out}`);
