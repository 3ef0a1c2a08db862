/**
 * Compiles a small hand-written circom snippet against circuits/lib and loads
 * its witness calculator: how the templates are tested on their own.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { buildAtomically } from "../../sdk/zk/artifacts.js";
import { cacheDir } from "../../sdk/paths.js";
import { circuitKey } from "../../sdk/zk/groth16/artifacts.js";
import { compileCircom } from "../../sdk/zk/groth16/circom.js";
import { CircuitWitness } from "../../sdk/zk/groth16/witness.js";

/**
 * `constraints`: circom's count of non-linear constraints after --O2 (kept in the cached folder;
 * NaN for a folder cached before it was kept).
 */
export async function compileSnippet(main: string): Promise<{ dir: string; witness: CircuitWitness; constraints: number }> {
  const source = [
    `pragma circom 2.1.6;`,
    `include "fixedpoint.circom";`,
    `include "argmax.circom";`,
    `include "packing.circom";`,
    `include "poseidonChain.circom";`,
    `include "reduce.circom";`,
    `include "dataMovement.circom";`,
    `include "elementwise.circom";`,
    `include "nonlinear.circom";`,
    main,
    ``,
  ].join("\n");
  // circuitKey hashes circuits/lib too: a changed template must not reuse a stale snippet build.
  const dir = join(cacheDir(), "circuit-snippets", circuitKey(source, "snippet"));
  mkdirSync(join(cacheDir(), "circuit-snippets"), { recursive: true });
  if (!existsSync(dir)) {
    await buildAtomically(dir, async (tmp) => {
      writeFileSync(join(tmp, "circuit.circom"), source);
      const { nonLinearConstraints } = await compileCircom(tmp);
      writeFileSync(join(tmp, "constraints.json"), JSON.stringify(nonLinearConstraints));
    });
  }
  const counted = join(dir, "constraints.json");
  const constraints = existsSync(counted) ? (JSON.parse(readFileSync(counted, "utf8")) as number) : NaN;
  return { dir, witness: await CircuitWitness.load(dir), constraints };
}
